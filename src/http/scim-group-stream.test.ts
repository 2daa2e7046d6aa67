import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { defaultRegistry } from '../scim/schema/registry.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { MEMBER_PAGE, groupGetResponse } from './scim-group-stream.ts';
import { createEnv } from './scim-env.ts';
import type { SqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { ScimRequest } from './types.ts';

const TENANT = { id: 't1', name: 'T', idp: 'generic' as const, createdAt: '2026-01-01T00:00:00.000Z' };
const TS = '2026-01-01T00:00:00.000Z';
const groups = defaultRegistry.resourceSchema('Group');
let dir: string;
let store: SqliteStore;
const ids = Array.from({ length: MEMBER_PAGE * 2 + 10 }, (_, i) => `u${String(i).padStart(5, '0')}`);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roster-stream-'));
  store = await openSqliteStore({ file: join(dir, 'r.db'), registry: defaultRegistry });
  await store.createTenant(TENANT);
  await store.transaction(async (tx) => {
    for (const id of ids) await tx.insertResource({ tenantId: TENANT.id, type: 'User', id, data: { userName: id }, version: 1, created: TS, lastModified: TS });
    await tx.insertResource({ tenantId: TENANT.id, type: 'Group', id: 'g', data: { displayName: 'g' }, version: 1, created: TS, lastModified: TS });
    await tx.applyMembership(TENANT.id, 'g', { add: ids.map((value) => ({ value, type: 'User' as const })), remove: [] });
  });
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const request = (): ScimRequest => ({
  method: 'GET',
  segments: ['Groups', 'g'],
  query: new URLSearchParams(),
  headers: {},
  body: undefined,
  tenant: TENANT,
  baseUrl: 'http://h/scim/v2/t1',
  requestId: 'r1',
  log: pino({ level: 'silent' }),
});

const projection = { attributes: [], excludedAttributes: [] };

test('a large group is written in pieces of one page each, and the pieces are the whole group', async () => {
  const env = createEnv({ store, registry: defaultRegistry });
  const r = await groupGetResponse(env, request(), groups, 'g', projection, { conditional: true });
  assert.equal(r.body, undefined);
  assert.ok(r.stream !== undefined);
  const pieces: string[] = [];
  await r.stream(async (text) => {
    pieces.push(text);
    return true;
  });
  // Head + first page, one piece per further page, then the tail.
  assert.equal(pieces.length, Math.ceil(ids.length / MEMBER_PAGE) + 1);
  const body = JSON.parse(pieces.join('')) as { members: { value: string }[]; meta: { version: string } };
  assert.deepEqual(body.members.map((m) => m.value), ids);
  assert.equal(body.meta.version, r.headers?.['ETag']);
});

test('a change while the group is being written cuts the response instead of mixing versions', async () => {
  const env = createEnv({ store, registry: defaultRegistry });
  const r = await groupGetResponse(env, request(), groups, 'g', projection, { conditional: true });
  assert.ok(r.stream !== undefined);
  let changed = false;
  await assert.rejects(
    r.stream(async () => {
      if (!changed) {
        changed = true;
        // Another request removes a member and bumps the version (as PATCH does).
        await store.transaction(async (tx) => {
          const cur = await tx.getResource(TENANT.id, 'Group', 'g', { withMembers: false, withGroups: false });
          assert.ok(cur !== undefined);
          await tx.applyMembership(TENANT.id, 'g', { add: [], remove: [ids[ids.length - 1] as string] });
          await tx.updateResource({ ...cur, version: cur.version + 1 }, cur.version);
        });
      }
      return true;
    }),
    (e: unknown) => (e as { status?: number }).status === 503,
  );
  // Read again: the new version, whole.
  const again = await groupGetResponse(env, request(), groups, 'g', projection, { conditional: true });
  const pieces: string[] = [];
  await again.stream?.(async (t) => (pieces.push(t), true));
  const body = JSON.parse(pieces.join('')) as { members: unknown[]; meta: { version: string } };
  assert.equal(body.members.length, ids.length - 1);
  assert.equal(body.meta.version, again.headers?.['ETag']);
  assert.equal(again.headers?.['ETag'], 'W/"2"');
});
