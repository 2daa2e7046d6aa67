// The package entry point: the protocol core works without a server, and
// createRoster embeds a real server (real SQLite file, real listener).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as roster from '../src/index.ts';

test('the protocol core is usable from the entry point without a server', () => {
  const rs = roster.defaultRegistry.resourceSchema('User');
  const filter = roster.parseFilter('emails[type eq "work" and value ew "@example.com"] and active eq true');
  assert.equal(roster.formatFilter(filter), 'emails[type eq "work" and value ew "@example.com"] and active eq true');
  const user = roster.validateResource(
    rs,
    { schemas: [roster.USER_SCHEMA], userName: 'bjensen', active: true, emails: [{ type: 'work', value: 'b@EXAMPLE.com' }] },
    'create',
  );
  assert.equal(roster.evaluateFilter(filter, user, rs), true);
  const ops = roster.parsePatchRequest({
    schemas: [roster.PATCH_OP_URN],
    Operations: [{ op: 'replace', path: 'active', value: false }],
  });
  const out = roster.applyPatch(rs, user, ops);
  assert.equal(out.changed, true);
  assert.equal(out.resource.active, false);
  assert.equal(user.active, true, 'the input is not mutated');
  assert.throws(() => roster.parseFilter('userName eq'), (e: unknown) => roster.isScimError(e) && e.scimType === 'invalidFilter');
});

test('createRoster serves SCIM for a tenant it creates', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'roster-lib-'));
  const r = await roster.createRoster({ config: { db: join(dir, 'r.db'), port: 0, host: '127.0.0.1', logLevel: 'silent' } });
  try {
    const addr = await r.listen();
    const t = await r.tenants.create({ name: 'Embedded', idp: 'generic' });
    assert.ok(t.scimBaseUrl.startsWith(`http://localhost:${addr.port}/scim/v2/`));
    const res = await fetch(`${addr.url}/scim/v2/${t.tenant.id}/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: [roster.USER_SCHEMA], userName: 'embedded.user' }),
    });
    assert.equal(res.status, 201);
    const list = (await r.tenants.list()).map((x) => x.id);
    assert.deepEqual(list, [t.tenant.id]);
  } finally {
    await r.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('createRoster embeds: requestListener mounted on the host application\'s own node:http server', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'roster-lib-'));
  // The host's server, with its own route next to Roster's.
  let listener: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const host = createServer((req, res) => {
    if (req.url === '/host') {
      res.end('host route');
      return;
    }
    if (listener === undefined) throw new Error('Roster not mounted yet');
    listener(req, res);
  });
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
  const r = await roster.createRoster({ config: { db: join(dir, 'r.db'), publicUrl: url, logLevel: 'silent' } });
  try {
    listener = r.requestListener;
    assert.equal(r.http.server.listening, false, 'Roster does not open a port of its own');
    const t = await r.tenants.create({ name: 'Hosted', idp: 'okta' });
    assert.equal(t.scimBaseUrl, `${url}/scim/v2/${t.tenant.id}`);
    const created = await fetch(`${t.scimBaseUrl}/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: [roster.USER_SCHEMA], userName: 'hosted.user' }),
    });
    assert.equal(created.status, 201);
    const id = ((await created.json()) as { id: string }).id;
    const got = await fetch(`${url}/scim/v2/Users/${id}`, { headers: { authorization: `Bearer ${t.apiKey}` } });
    assert.equal(got.status, 200);
    assert.equal(((await got.json()) as { meta: { location: string } }).meta.location, `${url}/scim/v2/Users/${id}`);
    assert.equal(await (await fetch(`${url}/host`)).text(), 'host route');
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
  } finally {
    await r.close();
    await new Promise<void>((resolve) => host.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
});
