/**
 * Tenant creation and key rotation are one transaction each: a failure in the
 * second statement (injected with a SQLite trigger) leaves nothing half-done.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { defaultRegistry } from '../scim/schema/registry.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { SqliteStore } from '../store/sqlite/sqlite-store.ts';
import { verifyApiKey } from './api-keys.ts';
import { createTenant, deleteTenant, revokeKeys, rotateKey } from './tenants.ts';

const dir = mkdtempSync(join(tmpdir(), 'roster-tenants-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const CONFIG = { publicUrl: 'http://localhost:8080', port: 8080, keyMaxGraceMs: 3_600_000 };

async function open(): Promise<SqliteStore> {
  return openSqliteStore({ file: join(dir, `t${++n}.db`), registry: defaultRegistry });
}

/** Makes every INSERT into api_keys fail, through a second connection to the same file. */
function failKeyInserts(file: string): () => void {
  const db = new Database(file);
  db.exec("CREATE TRIGGER fail_key BEFORE INSERT ON api_keys BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
  return () => {
    db.exec('DROP TRIGGER fail_key');
    db.close();
  };
}

describe('tenant administration is transactional', () => {
  it('create: when storing the key fails, no tenant is left behind', async () => {
    const store = await open();
    const restore = failKeyInserts(store.file);
    try {
      await assert.rejects(createTenant(store, { name: 'Half', idp: 'okta' }, CONFIG));
      assert.deepEqual(await store.listTenants(), []);
    } finally {
      restore();
      await store.close();
    }
  });

  it('rotate: when storing the new key fails, the old key keeps working and is not expired', async () => {
    const store = await open();
    try {
      const created = await createTenant(store, { name: 'Rot', idp: 'okta' }, CONFIG);
      const restore = failKeyInserts(store.file);
      try {
        await assert.rejects(rotateKey(store, created.tenant.id, {}, CONFIG));
      } finally {
        restore();
      }
      const keys = await store.listApiKeys(created.tenant.id);
      assert.deepEqual(keys.map((k) => k.expiresAt), [null]);
      assert.equal((await verifyApiKey(store, created.apiKey))?.id, created.tenant.id);
    } finally {
      await store.close();
    }
  });

  it('revoke: every live key stops at once, no new key; expired keys are not touched; a second revoke revokes nothing', async () => {
    const store = await open();
    try {
      const now = new Date();
      const created = await createTenant(store, { name: 'Rev', idp: 'generic' }, CONFIG, new Date(now.getTime() - 3000));
      const graced = await rotateKey(store, created.tenant.id, { graceMs: 3_600_000 }, CONFIG, new Date(now.getTime() - 2000));
      const other = await createTenant(store, { name: 'Other', idp: 'generic' }, CONFIG);
      // Both keys of the tenant work (the first during its grace).
      assert.ok(await verifyApiKey(store, created.apiKey));
      assert.ok(await verifyApiKey(store, graced.apiKey));
      const r = await revokeKeys(store, created.tenant.id, now);
      assert.equal(r.revoked.length, 2);
      assert.deepEqual(r.revoked.map((k) => k.previousExpiresAt).sort(), [graced.previousKeysExpireAt, null].sort());
      assert.ok(r.revoked.every((k) => !JSON.stringify(k).includes(created.apiKey.slice(24, 60))));
      assert.equal(await verifyApiKey(store, created.apiKey), undefined);
      assert.equal(await verifyApiKey(store, graced.apiKey), undefined);
      assert.equal((await store.listApiKeys(created.tenant.id)).length, 2, 'no key issued');
      assert.ok(await verifyApiKey(store, other.apiKey), 'another tenant keeps its key');
      const again = await revokeKeys(store, created.tenant.id, new Date(now.getTime() + 1000));
      assert.deepEqual(again.revoked, []);
      assert.ok((await store.listApiKeys(created.tenant.id)).every((k) => k.expiresAt === now.toISOString()));
      await assert.rejects(revokeKeys(store, 'nosuchtenant'), { code: 'E_TENANT_NOT_FOUND' });
    } finally {
      await store.close();
    }
  });
});

describe('tenant administration is audited with a scim_setup event', () => {
  it('create, rotate, revoke, delete: one audit row and one outbox event each, never a key', async () => {
    const store = await open();
    try {
      const created = await createTenant(store, { name: 'Audited', idp: 'entra' }, CONFIG);
      const id = created.tenant.id;
      const rotated = await rotateKey(store, id, {}, CONFIG, new Date(), { actor: { kind: 'operator', id: 'op-7' } });
      await revokeKeys(store, id);
      await revokeKeys(store, id); // nothing live: nothing recorded
      await deleteTenant(store, id);
      const audit = await store.listAuditEvents(id, { limit: 100 });
      assert.deepEqual(audit.map((r) => [r.seq, r.operation, r.actorKind, r.actorId, r.idp]), [
        [1, 'create', 'cli', null, 'entra'],
        [2, 'rotate_key', 'operator', 'op-7', 'entra'],
        [3, 'revoke_keys', 'cli', null, 'entra'],
        [4, 'delete', 'cli', null, 'entra'],
      ]);
      const events = await store.listOutboxEvents(id, { limit: 100 });
      assert.deepEqual(events.map((e) => [e.seq, e.type]), [
        [1, 'scim_setup.created'],
        [2, 'scim_setup.key_rotated'],
        [3, 'scim_setup.keys_revoked'],
        [4, 'scim_setup.deleted'],
      ]);
      const text = JSON.stringify([audit, events]);
      for (const key of [created.apiKey, rotated.apiKey]) {
        assert.ok(!text.includes(key.slice(24)), 'no secret part of a key is recorded');
        assert.ok(!JSON.stringify(events).includes(key.slice(7, 23)), 'no key id in an outbox payload');
      }
    } finally {
      await store.close();
    }
  });

  it('a failed creation records nothing', async () => {
    const store = await open();
    const restore = failKeyInserts(store.file);
    try {
      await assert.rejects(createTenant(store, { name: 'Half', idp: 'okta' }, CONFIG));
      const db = new Database(store.file, { readonly: true });
      try {
        assert.deepEqual(db.prepare('SELECT COUNT(*) AS n FROM audit_events UNION ALL SELECT COUNT(*) FROM outbox_events').all(), [{ n: 0 }, { n: 0 }]);
      } finally {
        db.close();
      }
    } finally {
      restore();
      await store.close();
    }
  });
});
