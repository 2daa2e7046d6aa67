/**
 * The audit log through the admin API (docs/audit.md "Reading the audit"): filters
 * combined with AND, a cursor that returns every row exactly once while rows are
 * written between pages, NDJSON and CSV exports that parse back to the stored rows
 * (RFC 4180 quoting, formula cells defused), and 4xx for bad input.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createOperatorToken } from '../../src/app/operator-tokens.ts';
import type { AuditEvent, AuditEventInput } from '../../src/store/store.ts';
import { scim } from '../helpers/server.ts';
import type { ScimCall } from '../helpers/server.ts';
import { createUser, patch, startTestServer, tenant } from './scim-helpers.ts';
import type { TestServer } from './scim-helpers.ts';

let srv: TestServer;
let admin: ScimCall;
let token: string;
before(async () => {
  srv = await startTestServer();
  token = (await createOperatorToken(srv.store)).token;
  admin = scim(`${srv.url}/api/v1`, token);
});
after(() => srv.close());

const view = ({ tenantId: _t, ...rest }: AuditEvent): Record<string, unknown> => rest;

describe('GET /api/v1/tenants/{id}/audit', () => {
  it('filters with AND and pages with a cursor: every row exactly once, in order, while new rows arrive', async () => {
    const c = await tenant(srv);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(await createUser(c, `u${i}`));
    await c.call('PATCH', `/Users/${ids[0]}`, patch({ op: 'replace', path: 'title', value: 'x' }));
    assert.equal((await c.call('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] })).status, 400);
    const seen: { seq: number; id: string }[] = [];
    let cursor: string | null = '';
    let page = 0;
    while (cursor !== null) {
      const r = await admin('GET', `/tenants/${c.tenantId}/audit?operation=create&outcome=success&resourceType=User&limit=3${cursor === '' ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      seen.push(...r.body.events);
      cursor = r.body.next;
      if (page++ < 2) ids.push(await createUser(c, `late${page}`)); // written between pages
    }
    const stored = (await srv.store.listAuditEvents(c.tenantId, { limit: 1000 })).filter((e) => e.operation === 'create' && e.outcome === 'success' && e.resourceType === 'User');
    assert.equal(stored.length, 9);
    assert.deepEqual(seen, stored.map(view));
    assert.deepEqual(seen.map((e) => e.seq), [...seen.map((e) => e.seq)].sort((a, b) => a - b));
    const refused = await admin('GET', `/tenants/${c.tenantId}/audit?outcome=refused`);
    assert.deepEqual(refused.body.events.map((e: AuditEvent) => [e.operation, e.status]), [['create', 400]]);
    const one = await admin('GET', `/tenants/${c.tenantId}/audit?resourceType=User&resourceId=${ids[0]}`);
    assert.deepEqual(one.body.events.map((e: AuditEvent) => e.operation), ['create', 'patch']);
    assert.equal(one.body.next, null);
    const key = one.body.events[0].actorId as string;
    assert.equal((await admin('GET', `/tenants/${c.tenantId}/audit?actor=${key}&limit=1000`)).body.events.length, 11);
    assert.equal((await admin('GET', `/tenants/${c.tenantId}/audit?actor=nobody`)).body.events.length, 0);
    const at = one.body.events[1].occurredAt as string;
    const since = await admin('GET', `/tenants/${c.tenantId}/audit?since=${encodeURIComponent(at)}&resourceId=${ids[0]}`);
    assert.deepEqual(since.body.events.map((e: AuditEvent) => e.operation), ['patch']);
    const until = await admin('GET', `/tenants/${c.tenantId}/audit?until=${encodeURIComponent(at)}&resourceId=${ids[0]}`);
    assert.deepEqual(until.body.events.map((e: AuditEvent) => e.operation), ['create']);
  });

  it('bad parameters are 400 invalid_request; an unknown tenant 404; no token 401', async () => {
    const c = await tenant(srv);
    for (const qs of ['limit=0', 'limit=1001', 'limit=x', 'cursor=abc', 'cursor=a1.LTE', 'since=yesterday', 'until=2026-13-01T00:00:00Z',
      'since=2026-01-01T00:00:00', 'colour=red', 'operation=a&operation=b', 'format=csv']) {
      const r = await admin('GET', `/tenants/${c.tenantId}/audit?${qs}`);
      assert.equal(r.status, 400, qs);
      assert.equal(r.body.error.code, 'invalid_request', qs);
    }
    assert.equal((await admin('GET', `/tenants/${c.tenantId}/audit/export?format=xml`)).body.error.code, 'invalid_request');
    assert.equal((await admin('GET', '/tenants/no-such/audit')).body.error.code, 'not_found');
    assert.equal((await admin('GET', '/tenants/no-such/audit/export')).status, 404);
    assert.equal((await admin('POST', `/tenants/${c.tenantId}/audit`)).status, 405);
    assert.equal((await scim(`${srv.url}/api/v1`)('GET', `/tenants/${c.tenantId}/audit`)).status, 401);
    assert.equal((await admin('GET', `/tenants/${c.tenantId}/audit?since=2026-01-01`)).status, 200);
  });
});

/** RFC 4180 parser for the test: fields, quoted fields with doubled quotes, CRLF records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const j = text.indexOf('"', i);
        field += text.slice(i, j);
        i = j + 1;
        if (text[i] === '"') { field += '"'; i++; } else break;
      }
    } else {
      const m = /[,\r]/.exec(text.slice(i));
      const end = m === null ? text.length : i + m.index;
      field = text.slice(i, end);
      i = end;
    }
    row.push(field);
    if (text[i] === ',') i++;
    else { rows.push(row); row = []; i += 2; }
  }
  return rows;
}

describe('GET /api/v1/tenants/{id}/audit/export', () => {
  it('NDJSON and CSV of 2,000 rows parse back to the same rows; CSV quotes per RFC 4180 and defuses formulas', async () => {
    const c = await tenant(srv);
    const nasty = ['=HYPERLINK("http://x")', '+1', '-2', '@SUM(A1)', 'a,b', 'say "hi"', 'line\r\nbreak', 'plain', 'ünïcødé'];
    const rows: AuditEventInput[] = Array.from({ length: 2000 }, (_, i) => ({
      id: randomUUID(), occurredAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), actorKind: 'operator',
      actorId: nasty[i % nasty.length]!, actorLabel: i % 2 === 0 ? null : 'label', requestId: `r${i}`, idp: 'generic', method: 'POST',
      path: '/scim/v2/Users', resourceType: 'User', resourceId: `u${i}`, operation: 'create', change: { attributes: [{ path: 'title', after: nasty[i % 9] }] },
      outcome: 'success', status: 201, normalisations: i % 3 === 0 ? ['a', 'b'] : [],
    }));
    for (let i = 0; i < rows.length; i += 500) await srv.store.transaction(async (tx) => tx.appendEvents(c.tenantId, rows.slice(i, i + 500), []));
    const stored = await srv.store.listAuditEvents(c.tenantId, { limit: 5000 });
    assert.equal(stored.length, 2001, 'the tenant\'s creation row, then ours');

    const nd = await fetch(`${srv.url}/api/v1/tenants/${c.tenantId}/audit/export?format=ndjson`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(nd.status, 200);
    assert.equal(nd.headers.get('content-type'), 'application/x-ndjson');
    const lines = (await nd.text()).split('\n');
    assert.equal(lines.pop(), '');
    assert.deepEqual(lines.map((l) => JSON.parse(l)), stored.map(view));

    const cv = await fetch(`${srv.url}/api/v1/tenants/${c.tenantId}/audit/export?format=csv`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(cv.headers.get('content-type'), 'text/csv; charset=utf-8');
    const [header, ...records] = parseCsv(await cv.text());
    const columns = ['seq', 'id', 'occurredAt', 'actorKind', 'actorId', 'actorLabel', 'requestId', 'idp', 'method', 'path',
      'resourceType', 'resourceId', 'operation', 'outcome', 'status', 'normalisations', 'change'];
    assert.deepEqual(header, columns);
    assert.equal(records.length, 2001);
    records.forEach((rec, n) => {
      const e = stored[n] as unknown as Record<string, unknown>;
      columns.forEach((col, k) => {
        const v = e[col];
        const text = v === null ? '' : typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v);
        const expected = typeof v === 'string' && /^[=+\-@]/.test(v) ? `'${v}` : text;
        assert.equal(rec[k], expected, `row ${n} ${col}`);
      });
    });

    const filtered = await fetch(`${srv.url}/api/v1/tenants/${c.tenantId}/audit/export?format=ndjson&actorId=x`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(filtered.status, 400, 'unknown filter names are refused before streaming');
    const some = await fetch(`${srv.url}/api/v1/tenants/${c.tenantId}/audit/export?format=ndjson&resourceId=u7`, { headers: { authorization: `Bearer ${token}` } });
    assert.deepEqual((await some.text()).trim().split('\n').map((l) => JSON.parse(l).resourceId), ['u7']);
  });
});
