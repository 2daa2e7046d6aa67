/**
 * Bulk seeding of a PostgreSQL database for the scale rung (docs/benchmark.md "Scale
 * rung"): a million users through the store's one-row `insertResource` takes about
 * 40 minutes (three statements per user), so users are written here in batches of
 * 5,000 rows per statement, with every column derived by the store's own functions
 * (`buildSearchDoc`, `emailValues`, `encodeDeep`, `foldCase`), exactly as
 * `PgOps.insertResource` writes them. `checkBulkRows` proves that on every run: one
 * user written both ways must give identical rows. Tenants, groups and memberships
 * go through the store itself (`applyMembership` in batches).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { Member } from '../src/domain/resource.ts';
import { foldCase } from '../src/scim/schema/fold.ts';
import { defaultRegistry } from '../src/scim/schema/registry.ts';
import { GROUP_SCHEMA } from '../src/scim/schema/types.ts';
import type { ScimResource } from '../src/scim/schema/types.ts';
import { openPgStore } from '../src/store/postgres/pg-store.ts';
import { encodeDeep } from '../src/store/postgres/pg-text.ts';
import { buildSearchDoc, emailValues } from '../src/store/sql/search-doc.ts';
import { createTenant } from '../src/tenants/tenants.ts';
import { benchUserName, storedData, userBody } from './seed.ts';
import type { SeedSpec, Seeded } from './seed.ts';

const BATCH = 5000;
const MEMBER_BATCH = 50_000;

interface UserRow {
  readonly id: string;
  readonly data: ScimResource;
}

/** The columns `PgOps.insertResource` derives from a User body, for a batch. */
function columns(rows: readonly UserRow[]) {
  const rs = defaultRegistry.resourceSchema('User');
  const out = { ids: [] as string[], data: [] as string[], search: [] as string[], nameFold: [] as (string | null)[], externalId: [] as (string | null)[], userName: [] as string[], status: [] as string[], emailIds: [] as string[], emails: [] as string[] };
  for (const r of rows) {
    const search = buildSearchDoc(rs, r.data);
    const userName = typeof r.data['userName'] === 'string' ? r.data['userName'] : '';
    const ext = r.data['externalId'];
    out.ids.push(r.id);
    out.data.push(JSON.stringify(r.data));
    out.search.push(JSON.stringify(encodeDeep(search)));
    out.nameFold.push(foldCase(userName));
    out.externalId.push(typeof ext === 'string' ? ext : null);
    out.userName.push(userName);
    out.status.push(r.data['active'] === false ? 'inactive' : 'active');
    for (const e of emailValues(search)) {
      out.emailIds.push(r.id);
      out.emails.push(e);
    }
  }
  return out;
}

/** Writes a batch of users in one transaction: three statements, whatever the batch size. */
async function insertUsers(client: pg.ClientBase, tenantId: string, ts: string, rows: readonly UserRow[]): Promise<void> {
  const c = columns(rows);
  await client.query('BEGIN');
  try {
    await client.query(
      `INSERT INTO resources (tenant_id, type, id, data, search, version, created, last_modified, name_fold, external_id)
       SELECT $1, 'User', u.id, u.data, u.search::jsonb, 1, $2, $2, u.name_fold, u.external_id
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS u(id, data, search, name_fold, external_id)`,
      [tenantId, ts, c.ids, c.data, c.search, c.nameFold, c.externalId],
    );
    await client.query(
      'INSERT INTO email_values (tenant_id, resource_id, value_fold) SELECT $1, e.id, e.v FROM unnest($2::text[], $3::text[]) AS e(id, v) ON CONFLICT DO NOTHING',
      [tenantId, c.emailIds, c.emails],
    );
    await client.query(
      `INSERT INTO platform_users (tenant_id, id, status, managed, user_name, name_fold, external_id)
       SELECT $1, p.id, p.status, TRUE, p.user_name, p.name_fold, p.external_id
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS p(id, status, user_name, name_fold, external_id)`,
      [tenantId, c.ids, c.status, c.userName, c.nameFold, c.externalId],
    );
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** The rows of one user in the three tables, without its tenant and id. */
async function rowsOf(client: pg.ClientBase, tenantId: string, id: string): Promise<string> {
  const r = await client.query('SELECT type, data, search, version, created, last_modified, name_fold, external_id FROM resources WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  const e = await client.query('SELECT value_fold FROM email_values WHERE tenant_id = $1 AND resource_id = $2 ORDER BY value_fold', [tenantId, id]);
  const p = await client.query('SELECT status, managed, user_name, name_fold, external_id, suspended_at, deprovisioned_at, hidden FROM platform_users WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  return JSON.stringify([r.rows, e.rows, p.rows]);
}

/**
 * One user written through the store and the same body written by `insertUsers` (in a
 * second tenant) must leave identical rows: the bulk path cannot drift from the store.
 */
async function checkBulkRows(url: string): Promise<void> {
  const store = await openPgStore({ url, registry: defaultRegistry });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const a = await createTenant(store, { name: 'bulk-check-store', idp: 'generic' }, { publicUrl: null, port: 0 });
    const b = await createTenant(store, { name: 'bulk-check-bulk', idp: 'generic' }, { publicUrl: null, port: 0 });
    const ts = new Date().toISOString();
    const data = storedData('User', { ...userBody('Check.User@Bench.Example', 7), emails: [{ value: 'A@x.example', type: 'work' }, { value: 'b@X.example' }] });
    const id = randomUUID();
    await store.transaction((tx) => tx.insertResource({ tenantId: a.tenant.id, type: 'User', id, data, version: 1, created: ts, lastModified: ts }));
    await insertUsers(client, b.tenant.id, ts, [{ id, data }]);
    const [viaStore, viaBulk] = [await rowsOf(client, a.tenant.id, id), await rowsOf(client, b.tenant.id, id)];
    if (viaStore !== viaBulk) throw new Error(`bench bulk rows differ from the store's:\n store ${viaStore}\n bulk  ${viaBulk}`);
    await client.query('DELETE FROM tenants WHERE id = ANY($1::text[])', [[a.tenant.id, b.tenant.id]]);
  } finally {
    await client.end();
    await store.close();
  }
}

/** `seed()` for PostgreSQL at scale (`spec.file` is the database URL). */
export async function seedPgBulk(spec: SeedSpec): Promise<Seeded> {
  const url = spec.file;
  await checkBulkRows(url);
  const started = performance.now();
  const store = await openPgStore({ url, registry: defaultRegistry, queryTimeoutMs: 600_000 });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { tenant, apiKey } = await createTenant(store, { name: 'bench', idp: 'generic' }, { publicUrl: null, port: 0 });
    const ts = new Date().toISOString();
    const total = spec.users + spec.spareUsers;
    const userIds: string[] = [];
    const userNames: string[] = [];
    const spareIds: string[] = [];
    for (let i = 0; i < total; i += BATCH) {
      const rows: UserRow[] = [];
      for (let n = i; n < Math.min(total, i + BATCH); n++) {
        const userName = benchUserName(n);
        const id = randomUUID();
        rows.push({ id, data: storedData('User', userBody(userName, n)) });
        if (n < spec.users) {
          userIds.push(id);
          userNames.push(userName);
        } else spareIds.push(id);
      }
      await insertUsers(client, tenant.id, ts, rows);
    }
    const member = (id: string): Member => ({ value: id, type: 'User' });
    const group = async (displayName: string): Promise<string> => {
      const id = randomUUID();
      await store.transaction((tx) => tx.insertResource({ tenantId: tenant.id, type: 'Group', id, data: storedData('Group', { schemas: [GROUP_SCHEMA], displayName }), version: 1, created: ts, lastModified: ts }));
      return id;
    };
    const smallGroupIds: string[] = [];
    for (let g = 0; g < spec.smallGroups; g++) {
      const id = await group(`team-${g}`);
      const add: Member[] = [];
      for (let k = 0; k < Math.min(spec.smallGroupSize, spec.users); k++) add.push(member(userIds[(g * 37 + k * 101) % spec.users] as string));
      await store.transaction((tx) => tx.applyMembership(tenant.id, id, { add, remove: [] }));
      smallGroupIds.push(id);
    }
    let bigGroupId: string | undefined;
    if (spec.bigGroupSize > 0) {
      const id = await group('everyone');
      for (let i = 0; i < spec.bigGroupSize; i += MEMBER_BATCH) {
        const add = userIds.slice(i, Math.min(spec.bigGroupSize, i + MEMBER_BATCH)).map(member);
        await store.transaction((tx) => tx.applyMembership(tenant.id, id, { add, remove: [] }));
      }
      bigGroupId = id;
    }
    // Planner statistics for the freshly loaded tables, as autovacuum would gather them in service.
    await client.query('ANALYZE');
    const seconds = (performance.now() - started) / 1000;
    const size = await client.query<{ n: string }>('SELECT pg_database_size(current_database()) AS n');
    return { tenantId: tenant.id, apiKey, userIds, userNames, spareIds, smallGroupIds, bigGroupId, seconds, fileBytes: Number(size.rows[0]?.n ?? 0) };
  } finally {
    await client.end();
    await store.close();
  }
}
