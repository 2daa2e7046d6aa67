// The package entry point: the protocol core works without a server, and
// createRoster embeds a real server (real SQLite file, real listener).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
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
