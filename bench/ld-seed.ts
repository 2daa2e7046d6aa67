/**
 * Seeding of the load checks LD-1…LD-4 (docs/benchmark.md "Load checks (LD-1…LD-4)",
 * docs/reliability.md LD-*): through Roster's own store (SQLite or PostgreSQL), as
 * `bench/seed.ts` does, so every row is what Roster writes. Two kinds of tenants:
 *
 * - the **sync tenants** (LD-1, LD-2), each with a few hundred users and ten groups:
 *   the directories an identity provider keeps in step;
 * - the **directory tenant** (LD-3, LD-4): the large directory an initial sync pages
 *   through, `users` users and 100 groups whose sizes grow geometrically up to 5,000
 *   members (half the users when there are fewer than 10,000).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Member } from '../src/domain/resource.ts';
import { GROUP_SCHEMA } from '../src/scim/schema/types.ts';
import type { Store } from '../src/store/store.ts';
import { createTenant } from '../src/tenants/tenants.ts';
import { storedData, userBody } from './seed.ts';

/** One seeded user. */
export interface LdUser {
  readonly id: string;
  readonly userName: string;
}

/** One seeded tenant: its key, users and groups (with their members). */
export interface LdTenant {
  readonly tenantId: string;
  readonly apiKey: string;
  readonly users: LdUser[];
  readonly groups: ReadonlyArray<{ readonly id: string; readonly members: readonly string[] }>;
}

/** What `seedLd` made. */
export interface LdSeeded {
  readonly sync: LdTenant[];
  readonly directory: LdTenant;
  /** Member rows of the directory tenant's groups. */
  readonly directoryMembers: number;
  readonly seconds: number;
}

/** How much to seed. */
export interface LdSeedSpec {
  readonly syncTenants: number;
  readonly usersPerSyncTenant: number;
  readonly groupsPerSyncTenant: number;
  readonly membersPerSyncGroup: number;
  readonly directoryUsers: number;
  readonly directoryGroups: number;
  readonly maxGroupMembers: number;
}

/** Size of directory group `g` of `n`: 1, …, `max` members, geometrically spaced. */
export function groupSize(g: number, n: number, max: number): number {
  if (n <= 1) return max;
  return Math.max(1, Math.round(max ** (g / (n - 1))));
}

const member = (id: string): Member => ({ value: id, type: 'User' });

async function seedTenant(
  store: Store, name: string, users: number, groups: number, sizeOf: (g: number) => number, userName: (i: number) => string,
): Promise<LdTenant> {
  // Entra ID's profile: its compatibility pass runs on every request, as in service.
  const { tenant, apiKey } = await createTenant(store, { name, idp: 'entra' }, { publicUrl: null, port: 0 });
  const ts = new Date().toISOString();
  const out: LdUser[] = [];
  const gs: Array<{ id: string; members: string[] }> = [];
  await store.transaction(async (tx) => {
    for (let i = 0; i < users; i++) {
      const id = randomUUID();
      const u = userName(i);
      await tx.insertResource({ tenantId: tenant.id, type: 'User', id, data: storedData('User', userBody(u, i)), version: 1, created: ts, lastModified: ts });
      out.push({ id, userName: u });
    }
    for (let g = 0; g < groups; g++) {
      const id = randomUUID();
      await tx.insertResource({ tenantId: tenant.id, type: 'Group', id, data: storedData('Group', { schemas: [GROUP_SCHEMA], displayName: `${name}-group-${g}` }), version: 1, created: ts, lastModified: ts });
      const size = Math.min(users, sizeOf(g));
      // A stride through the users (coprime with most sizes), so groups overlap.
      const members = Array.from({ length: size }, (_, k) => out[(g * 37 + k * 7919) % users]!.id);
      const unique = [...new Set(members)];
      if (unique.length > 0) await tx.applyMembership(tenant.id, id, { add: unique.map(member), remove: [] });
      gs.push({ id, members: unique });
    }
  });
  return { tenantId: tenant.id, apiKey, users: out, groups: gs };
}

/** Seeds the sync tenants and the directory tenant into the store `open()` returns (then closes it). */
export async function seedLd(open: () => Promise<Store>, spec: LdSeedSpec): Promise<LdSeeded> {
  const started = performance.now();
  const store = await open();
  try {
    const sync: LdTenant[] = [];
    for (let t = 0; t < spec.syncTenants; t++) {
      sync.push(await seedTenant(store, `ld-sync-${t}`, spec.usersPerSyncTenant, spec.groupsPerSyncTenant, () => spec.membersPerSyncGroup, (i) => `t${t}-user${i}@ld.example`));
    }
    const directory = await seedTenant(
      store, 'ld-directory', spec.directoryUsers, spec.directoryGroups, (g) => groupSize(g, spec.directoryGroups, spec.maxGroupMembers), (i) => `dir-user${String(i).padStart(7, '0')}@ld.example`,
    );
    const directoryMembers = directory.groups.reduce((n, g) => n + g.members.length, 0);
    return { sync, directory, directoryMembers, seconds: (performance.now() - started) / 1000 };
  } finally {
    await store.close();
  }
}
