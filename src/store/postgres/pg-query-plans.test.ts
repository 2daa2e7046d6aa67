/**
 * The filters identity providers send are served by indexes on PostgreSQL (docs/storage.md
 * "PostgreSQL"): with sequential scans disabled, the plan of each compiled query reaches
 * `resources` only through an index (a scan would then show as a disabled Seq Scan).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { parseFilter } from '../../scim/filter/parser.ts';
import { defaultRegistry } from '../../scim/schema/registry.ts';
import { postgresDialect } from '../sql/dialect.ts';
import { DEFAULT_FILTER_MAX_COST } from '../sql/filter-cost.ts';
import { planSqlQuery } from '../sql/plan-query.ts';
import { groupRes, tenant, userRes } from '../store-contract.test-support.ts';
import type { Store } from '../store.ts';
import type { ResourceKind } from '../../domain/resource.ts';
import { storeKinds, testPostgres } from '../test-stores.test-support.ts';
import { openPgStore } from './pg-store.ts';
import { TYPE_COUNT } from './pg-query.ts';

describe('PostgreSQL query plans', { skip: !storeKinds().includes('postgres') }, () => {
  let url: string;
  let store: Store;
  let client: pg.Client;
  const t = tenant();
  before(async () => {
    url = await (await testPostgres()).freshDatabaseUrl();
    store = await openPgStore({ url, registry: defaultRegistry });
    await store.createTenant(t);
    for (let i = 0; i < 50; i++) await store.insertResource(userRes(t.id, `user${i}`, { externalId: `ext${i}`, emails: [{ value: `user${i}@example.com`, type: 'work' }] }));
    for (let i = 0; i < 50; i++) await store.insertResource(groupRes(t.id, i === 7 ? 'Admins' : `group${i}`));
    client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('ANALYZE');
    await client.query('SET enable_seqscan = off');
  });
  after(async () => {
    await client?.end();
    await store?.close();
  });

  const cases: [ResourceKind, string, RegExp][] = [
    ['User', 'userName eq "User7"', /resources_name/],
    ['User', 'externalId eq "ext7"', /resources_external_id/],
    ['User', 'emails.value eq "USER7@example.com"', /email_values/],
    ['User', 'id eq "x"', /resources_pkey|resources_type_id/],
    ['Group', 'displayName eq "admins"', /resources_name/],
  ];
  for (const [type, filter, index] of cases) {
    it(`${type} ${filter}: an index, never a scan of the table`, async () => {
      const plan = planSqlQuery({ dialect: postgresDialect, registry: defaultRegistry, filterMaxCost: DEFAULT_FILTER_MAX_COST, typeCountSql: TYPE_COUNT },
        t.id, type, { filter: parseFilter(filter), startIndex: 1, count: 100, withMembers: false });
      const page = plan.job.page;
      assert.ok(page);
      const rows = (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${page.sql}`, page.params)).rows.map((r) => r['QUERY PLAN']).join('\n');
      assert.doesNotMatch(rows, /Seq Scan on resources/, rows);
      assert.match(rows, index, rows);
    });
  }
});
