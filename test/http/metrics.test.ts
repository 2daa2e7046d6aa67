/**
 * Prometheus metrics (docs/metrics.md): on the main port `/metrics` needs an operator
 * token; SCIM requests are counted by route template, method, status and identity
 * provider, never with a tenant id, a user id or a raw path in a label; each Roster has
 * its own registry; `--metrics off` removes the endpoint; `--metrics-port` serves it on
 * a listener of its own (no token) and not on the main port.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import { createOperatorToken } from '../../src/app/operator-tokens.ts';
import { scim } from '../helpers/server.ts';
import { createUser, startTestServer, user } from './scim-helpers.ts';
import type { TestServer } from './scim-helpers.ts';

const servers: TestServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));
const start = async (config: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> => {
  const s = await startTestServer(config);
  servers.push(s);
  return s;
};
const scrape = async (url: string, token?: string): Promise<{ status: number; text: string; type: string | null }> => {
  const r = await fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  return { status: r.status, text: await r.text(), type: r.headers.get('content-type') };
};
/** The value of one sample line (exact labels in prom-client's order), or undefined. */
const sample = (text: string, line: string): number | undefined => {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
};

describe('/metrics', () => {
  it('AU-8: on the main port: operator token only; SCIM requests by route template, status and IdP; no ids in labels', async () => {
    const srv = await start();
    const other = await start();
    const token = (await createOperatorToken(srv.store)).token;
    assert.equal((await scrape(`${srv.url}/metrics`)).status, 401);
    assert.equal((await scrape(`${srv.url}/metrics`, 'roster_op_wrong')).status, 401);
    const t = await srv.createTenant(undefined, 'okta');
    const c = { call: scim(t.baseUrl, t.apiKey), tenantId: t.tenant.id, baseUrl: t.baseUrl };
    const id = await createUser(c, 'metrics.user@example.com');
    assert.equal((await c.call('GET', `/Users/${id}`)).status, 200);
    assert.equal((await c.call('GET', '/users/no-such-id')).status, 404);
    assert.equal((await c.call('POST', '/Users', user('metrics.user@example.com'))).status, 409);
    const m = await scrape(`${srv.url}/metrics`, token);
    assert.equal(m.status, 200);
    assert.match(m.type ?? '', /^text\/plain; version=0\.0\.4/);
    assert.equal(sample(m.text, 'roster_scim_requests_total{route="/Users",method="POST",status="201",idp="okta"}'), 1);
    assert.equal(sample(m.text, 'roster_scim_requests_total{route="/Users",method="POST",status="409",idp="okta"}'), 1);
    assert.equal(sample(m.text, 'roster_scim_requests_total{route="/Users/{id}",method="GET",status="200",idp="okta"}'), 1);
    assert.equal(sample(m.text, 'roster_scim_requests_total{route="/Users/{id}",method="GET",status="404",idp="okta"}'), 1, 'endpoint case folded');
    assert.equal(sample(m.text, 'roster_scim_request_duration_seconds_count{route="/Users",method="POST",idp="okta"}'), 2);
    assert.ok((sample(m.text, 'roster_store_write_wait_seconds_count{outcome="granted"}') ?? 0) >= 1);
    for (const gauge of ['roster_store_write_waiting', 'roster_store_read_queued', 'roster_store_readers', 'roster_outbox_lag_seconds']) {
      assert.notEqual(sample(m.text, gauge), undefined, gauge);
    }
    assert.ok((sample(m.text, 'roster_outbox_last_position') ?? 0) >= 2, 'scim_setup.created and user.created');
    for (const secret of [c.tenantId, id, 'metrics.user', t.apiKey.slice(0, 20)]) assert.ok(!m.text.includes(secret), `no ${secret} in the metrics`);
    // Unauthenticated SCIM requests count too, with idp "none"; a garbage path is "unmatched".
    await fetch(`${srv.url}/scim/v2/Users`);
    await fetch(`${srv.url}/scim/v2/whatever/x/y/z`);
    const m2 = await scrape(`${srv.url}/metrics`, token);
    assert.equal(sample(m2.text, 'roster_scim_requests_total{route="/Users",method="GET",status="401",idp="none"}'), 1);
    assert.ok(/roster_scim_requests_total\{route="unmatched",method="GET",status="\d+",idp="none"\} 1/.test(m2.text));
    // Another Roster in the same process has its own registry.
    const otherToken = (await createOperatorToken(other.store)).token;
    const o = await scrape(`${other.url}/metrics`, otherToken);
    assert.equal(o.status, 200);
    assert.ok(!o.text.includes('roster_scim_requests_total{'), 'no request counted on the other Roster');
  });

  it('--metrics off: no endpoint; --metrics-port: its own listener without token, not on the main port', async () => {
    const off = await start({ config: { metrics: false } });
    const token = (await createOperatorToken(off.store)).token;
    assert.equal((await scrape(`${off.url}/metrics`, token)).status, 404);
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as { port: number }).port;
        probe.close(() => resolve(p));
      });
    });
    const own = await start({ config: { metricsPort: port } });
    const ownToken = (await createOperatorToken(own.store)).token;
    assert.equal((await scrape(`${own.url}/metrics`, ownToken)).status, 404);
    const m = await scrape(`http://127.0.0.1:${port}/metrics`);
    assert.equal(m.status, 200);
    assert.ok(m.text.includes('# TYPE roster_scim_requests_total counter'));
    assert.equal((await scrape(`http://127.0.0.1:${port}/other`)).status, 404);
    await own.close();
    await assert.rejects(fetch(`http://127.0.0.1:${port}/metrics`), 'closed with the Roster');
  });
});

it('a metrics port already taken: listen() fails naming it, and the main port is not left open', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    await assert.rejects(startTestServer({ config: { metricsPort: port } }), /metrics listener \(--metrics-port\) on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
  } finally {
    blocker.close();
  }
});
