/**
 * Seeding: writes users and groups through Roster's own SQLite store (so the rows,
 * the search documents, the email side table and the member rows are exactly what
 * Roster writes), in ONE transaction — orders of magnitude faster than HTTP. The
 * SCIM load rate is measured separately (`scim-load.ts`).
 */
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { defaultRegistry } from '../src/scim/schema/registry.ts';
import { validateResource } from '../src/scim/schema/validate.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import type { Synchronous } from '../src/store/sqlite/connection.ts';
import type { Member } from '../src/domain/resource.ts';
import { GROUP_SCHEMA, USER_SCHEMA } from '../src/scim/schema/types.ts';
import type { ScimResource } from '../src/scim/schema/types.ts';
import { createTenant } from '../src/tenants/tenants.ts';
import type { Store } from '../src/store/store.ts';

export { PATCH_OP_URN as PATCH_URN } from '../src/scim/messages.ts';

export interface SeedSpec {
  readonly file: string;
  /** Users that make up the population (and the large group). */
  readonly users: number;
  /** Extra users in no group: the new members W4 adds to the large group. */
  readonly spareUsers: number;
  readonly smallGroups: number;
  readonly smallGroupSize: number;
  /** Members of the one large group (0 = no large group). */
  readonly bigGroupSize: number;
  readonly synchronous: Synchronous;
  /** Another store to seed (the PostgreSQL stage, bench/pg.ts); `file` then only names it. */
  readonly open?: () => Promise<Store>;
}

export interface Seeded {
  readonly tenantId: string;
  readonly apiKey: string;
  readonly userIds: readonly string[];
  readonly userNames: readonly string[];
  readonly spareIds: readonly string[];
  readonly smallGroupIds: readonly string[];
  readonly bigGroupId: string | undefined;
  readonly seconds: number;
  /** Main file + WAL after a TRUNCATE checkpoint, bytes. */
  readonly fileBytes: number;
}

/** A provisioning-style user body (what an IdP sends on POST /Users). */
export function userBody(userName: string, n: number): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA],
    userName,
    externalId: `ext-${n}`,
    name: { givenName: `Given${n % 997}`, familyName: `Family${n % 1009}`, formatted: `Given${n % 997} Family${n % 1009}` },
    displayName: `Given${n % 997} Family${n % 1009}`,
    emails: [{ value: userName, type: 'work', primary: true }],
    active: true,
  };
}

/** The stored body of a created resource, as the directory computes it (readOnly, schemas and writeOnly dropped). */
export function storedData(type: 'User' | 'Group', body: Record<string, unknown>): ScimResource {
  const rs = defaultRegistry.resourceSchema(type);
  const canonical = validateResource(rs, body, 'create');
  const data: ScimResource = {};
  for (const [k, v] of Object.entries(canonical)) {
    if (['id', 'meta', 'schemas', 'groups', 'members', 'password'].includes(k) || v === undefined) continue;
    data[k] = v;
  }
  return data;
}

export function benchUserName(i: number): string {
  return `user${String(i).padStart(7, '0')}@bench.example`;
}

/** Creates the tenant, users, groups and memberships in `spec.file` (which must not exist). */
export async function seed(spec: SeedSpec): Promise<Seeded> {
  const started = performance.now();
  const store = spec.open !== undefined ? await spec.open() : await openSqliteStore({ file: spec.file, registry: defaultRegistry, synchronous: spec.synchronous });
  const { tenant, apiKey } = await createTenant(store, { name: 'bench', idp: 'generic' }, { publicUrl: null, port: 0 });
  const userIds: string[] = [];
  const userNames: string[] = [];
  const spareIds: string[] = [];
  const smallGroupIds: string[] = [];
  let bigGroupId: string | undefined;
  const ts = new Date().toISOString();
  await store.transaction(async (tx) => {
    const total = spec.users + spec.spareUsers;
    for (let i = 0; i < total; i++) {
      const id = randomUUID();
      const userName = benchUserName(i);
      await tx.insertResource({ tenantId: tenant.id, type: 'User', id, data: storedData('User', userBody(userName, i)), version: 1, created: ts, lastModified: ts });
      if (i < spec.users) {
        userIds.push(id);
        userNames.push(userName);
      } else spareIds.push(id);
    }
    const member = (id: string): Member => ({ value: id, type: 'User' });
    for (let g = 0; g < spec.smallGroups; g++) {
      const id = randomUUID();
      await tx.insertResource({ tenantId: tenant.id, type: 'Group', id, data: storedData('Group', { schemas: [GROUP_SCHEMA], displayName: `team-${g}` }), version: 1, created: ts, lastModified: ts });
      const add: Member[] = [];
      for (let k = 0; k < Math.min(spec.smallGroupSize, spec.users); k++) add.push(member(userIds[(g * 37 + k * 101) % spec.users] as string));
      await tx.applyMembership(tenant.id, id, { add, remove: [] });
      smallGroupIds.push(id);
    }
    if (spec.bigGroupSize > 0) {
      bigGroupId = randomUUID();
      await tx.insertResource({ tenantId: tenant.id, type: 'Group', id: bigGroupId, data: storedData('Group', { schemas: [GROUP_SCHEMA], displayName: 'everyone' }), version: 1, created: ts, lastModified: ts });
      await tx.applyMembership(tenant.id, bigGroupId, { add: userIds.slice(0, spec.bigGroupSize).map(member), remove: [] });
    }
  });
  await store.close();
  const seconds = (performance.now() - started) / 1000;
  return { tenantId: tenant.id, apiKey, userIds, userNames, spareIds, smallGroupIds, bigGroupId, seconds, fileBytes: spec.open !== undefined ? 0 : dbBytes(spec.file) };
}

/** Size of a database: main file plus its WAL (if any). */
export function dbBytes(file: string): number {
  const size = (f: string): number => {
    try {
      return statSync(f).size;
    } catch {
      return 0;
    }
  };
  return size(file) + size(`${file}-wal`);
}
