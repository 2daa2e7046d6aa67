/**
 * The database work of the bare PostgreSQL ceiling (`bench/ceiling-pg.ts`), statement for
 * statement what Roster's PostgreSQL store runs for each benchmarked request
 * (`src/store/postgres/pg-store.ts`, `pg-ops.ts`, `pg-query.ts`, `pg-events.ts`,
 * `pg-session.ts`, `pg-list.ts`; docs/benchmark.md "PostgreSQL"): the same SQL text, the same
 * transactions (none for a list, which is one statement; a write's BEGIN with its
 * statement bounds as one text) and the same prepared/unprepared choice (the store's fixed
 * statements are named, the compiled page query is not). Re-record it whenever the store's
 * SQL changes, or the ratio stops being honest (last recorded after the store's round-trip
 * cuts, docs/storage.md "Round trips": a lookup 2 statements, a member add 10, a POST 6).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { searchOf } from './ceiling-shared.ts';

/** A resources row as the ceiling reads it (`data` is the stored JSON text). */
export type Row = { id: string; data: string; version: number; created: string; last_modified: string };
/** A group of a page's user, as Roster's `loadGroups` reads it. */
export type GroupOfUser = { member_id: string; group_id: string; data: string };

const COLS = 'r.tenant_id, r.type, r.id, r.data, r.version, r.created, r.last_modified';
/**
 * A list page as the store sends it (pg-list.ts): the page, its users' groups and, only when
 * the page does not tell it, the total, in ONE statement. `where` is the page's own condition
 * after tenant and type, `count` the COUNT the store compiles for it; the parameters follow
 * the page's own: keyset flag, limit, offset, the relations bound.
 */
const listStatement = (where: string, first: number, count: string): string => {
  const p = (i: number): string => `$${first + i}`;
  return `WITH page AS MATERIALIZED (SELECT ${COLS} FROM resources r WHERE r.tenant_id = $1 AND r.type = $2${where} ORDER BY r.id ASC LIMIT ${p(0)} OFFSET ${p(1)})
    SELECT p.*, o.rel_over, rel.rel_ids, rel.rel_types, rel.rel_texts, CASE WHEN ${p(2)}::boolean OR NOT ((SELECT count(*) FROM page) < ${p(3)}::int AND ((SELECT count(*) FROM page) > 0 OR ${p(4)}::int = 0)) THEN coalesce((${count}), 0) END AS total_n
    FROM (SELECT 1) AS one(x) LEFT JOIN page p ON TRUE LEFT JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM members mo WHERE mo.tenant_id = p.tenant_id AND mo.member_id = p.id OFFSET ${p(5)}::int LIMIT 1) AS rel_over) o ON TRUE LEFT JOIN LATERAL (SELECT array_agg(m.group_id ORDER BY m.group_id) AS rel_ids, NULL::text[] AS rel_types, array_agg(g.data ORDER BY m.group_id) AS rel_texts
       FROM members m JOIN resources g ON g.tenant_id = m.tenant_id AND g.id = m.group_id
       WHERE m.tenant_id = p.tenant_id AND m.member_id = p.id AND NOT o.rel_over) rel ON TRUE ORDER BY id ASC`;
};
const TYPE_COUNT = 'SELECT n FROM resource_counts WHERE tenant_id = $1 AND type = $2';
const PAGE = listStatement('', 3, TYPE_COUNT);
const AFTER = listStatement(' AND r.id > $3', 4, TYPE_COUNT);
const BY_NAME = listStatement(' AND (r.name_fold IS NOT NULL AND r.name_fold = $3)', 4,
  'SELECT COUNT(*) AS n FROM resources r WHERE r.tenant_id = $1 AND r.type = $2 AND (r.name_fold IS NOT NULL AND r.name_fold = $3)');

// A write's BEGIN with its statement bounds, one text (pg-session.ts).
const WRITE_BEGIN = `BEGIN ISOLATION LEVEL READ COMMITTED; SELECT set_config('lock_timeout', current_setting('statement_timeout'), true),
  set_config('statement_timeout', '30000', true)`;
const HIDDEN = 'SELECT id, hidden FROM platform_users WHERE tenant_id = $1 AND external_id = $2 AND hidden IS NOT NULL ORDER BY deprovisioned_at DESC NULLS LAST LIMIT 1';
// The resource row, its email values and its platform row in one statement (pg-ops.ts insertResource).
const INSERT = `WITH ins AS (INSERT INTO resources (tenant_id, type, id, data, search, version, created, last_modified, name_fold, external_id)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING RETURNING tenant_id, id),
       em AS (INSERT INTO email_values (tenant_id, resource_id, value_fold) SELECT ins.tenant_id, ins.id, v FROM ins, unnest($11::text[]) AS v
         ON CONFLICT DO NOTHING),
       pu AS (INSERT INTO platform_users (tenant_id, id, status, managed, user_name, name_fold, external_id)
         SELECT ins.tenant_id, ins.id, $12, TRUE, $13, $9, $10 FROM ins WHERE $2 = 'User'
         ON CONFLICT (tenant_id, id) DO UPDATE SET hidden = NULL, deprovisioned_at = NULL,
           user_name = excluded.user_name, name_fold = excluded.name_fold, external_id = excluded.external_id,
           status = CASE WHEN platform_users.suspended_at IS NOT NULL THEN 'suspended' ELSE excluded.status END,
           managed = platform_users.suspended_at IS NULL)
       SELECT count(*) AS n FROM ins`;
const BY_ID = `SELECT ${COLS} FROM resources r WHERE r.tenant_id = $1 AND r.id = $2 AND r.type = $3`;
const PLATFORM_ROLE = 'SELECT 1 FROM platform_roles WHERE tenant_id = $1 AND id = $2';
const EXISTING = 'SELECT id, type FROM resources WHERE tenant_id = $1 AND id = ANY($2::text[])';
// The member rows and the group's size as the statement's snapshot has it (pg-ops.ts #membership).
const ADD_MEMBERS = `WITH ins AS (INSERT INTO members (tenant_id, group_id, member_id, member_type, display, display_fold)
           SELECT $1, $2, m.id, m.type, m.display, m.fold FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS m(id, type, display, fold, n)
           ORDER BY m.n ON CONFLICT DO NOTHING RETURNING member_id)
         SELECT ins.member_id, (SELECT c.n FROM member_counts c WHERE c.tenant_id = $1 AND c.group_id = $2) AS was FROM ins`;
// The row, its email values and its platform row in one statement (pg-ops.ts updateResource).
const UPDATE = `WITH up AS (UPDATE resources SET data = $1, search = $2::jsonb, version = $3, last_modified = $4, name_fold = $5, external_id = $6
           WHERE tenant_id = $7 AND type = $8 AND id = $9 AND version = $10 RETURNING tenant_id, id),
         del AS (DELETE FROM email_values e USING up WHERE e.tenant_id = up.tenant_id AND e.resource_id = up.id AND NOT (e.value_fold = ANY($11::text[]))),
         em AS (INSERT INTO email_values (tenant_id, resource_id, value_fold) SELECT up.tenant_id, up.id, v FROM up, unnest($11::text[]) AS v
           ON CONFLICT DO NOTHING),
         pu AS (UPDATE platform_users pl SET user_name = $12, name_fold = $5, external_id = $6,
             status = CASE WHEN pl.suspended_at IS NOT NULL THEN 'suspended' ELSE $13 END, managed = pl.suspended_at IS NULL
           FROM up WHERE $8 = 'User' AND pl.tenant_id = up.tenant_id AND pl.id = up.id)
         SELECT count(*) AS n FROM up`;
// A write's audit rows and outbox events with both counters, in one statement (pg-events.ts).
const APPEND = `WITH c AS (
    INSERT INTO event_counters AS c (tenant_id, audit_seq, outbox_seq) VALUES ($1, $2, $3)
    ON CONFLICT (tenant_id) DO UPDATE SET audit_seq = c.audit_seq + excluded.audit_seq, outbox_seq = c.outbox_seq + excluded.outbox_seq
    RETURNING audit_seq, outbox_seq),
  f AS (UPDATE event_feed SET gseq = gseq + $3 WHERE id = 1 AND $3 > 0 AND EXISTS (SELECT 1 FROM c) RETURNING gseq),
  a AS (INSERT INTO audit_events (tenant_id, seq, id, occurred_at, actor_kind, actor_id, actor_label, request_id, idp,
      method, path, resource_type, resource_id, operation, change, outcome, status, normalisations)
    SELECT $1, c.audit_seq - $2 + v.n, v.id, v.occurred_at, v.actor_kind, v.actor_id, v.actor_label, v.request_id, v.idp,
      v.method, v.path, v.resource_type, v.resource_id, v.operation, v.change, v.outcome, v.status, v.normalisations
    FROM c, unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
      $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::int[], $19::text[]) WITH ORDINALITY
      AS v(id, occurred_at, actor_kind, actor_id, actor_label, request_id, idp, method, path, resource_type, resource_id, operation,
        change, outcome, status, normalisations, n)),
  o AS (INSERT INTO outbox_events (tenant_id, seq, id, type, occurred_at, payload, gseq)
    SELECT $1, c.outbox_seq - $3 + v.n, v.id, v.type, v.occurred_at, v.payload, f.gseq - $3 + v.n
    FROM c, f, unnest($20::text[], $21::text[], $22::text[], $23::text[]) WITH ORDINALITY AS v(id, type, occurred_at, payload, n))
  SELECT (SELECT count(*) FROM c) AS counters, (SELECT count(*) FROM f) AS feed`;

/** The key lookup Roster runs on every request (`findApiKeyWithTenant`). */
export const KEY = `SELECT k.id, k.tenant_id, k.digest, k.last4, k.created_at, k.expires_at, k.last_used_at, t.name AS t_name, t.idp AS t_idp, t.created_at AS t_created_at
         FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.id = $1`;

// Statement names for the fixed SQL, as the store names its own (pg-sql.ts): parsed once per connection.
const names = new Map<string, string>();
const nameOf = (text: string): string => names.get(text) ?? (names.set(text, `c${names.size}`), names.get(text) as string);

type Db = pg.Pool | pg.PoolClient;
/** A named (prepared) statement, for fixed SQL. */
export const run = <R extends pg.QueryResultRow>(db: Db, text: string, values: unknown[]): Promise<pg.QueryResult<R>> =>
  db.query<R>({ name: nameOf(text), text, values });
/** An unnamed statement, as the store runs a compiled list query. */
const runUnnamed = <R extends pg.QueryResultRow>(db: Db, text: string, values: unknown[]): Promise<pg.QueryResult<R>> => db.query<R>({ text, values });

/** The pool: Roster's size (`--pg-pool-max` 10) and session settings (pg-store.ts). */
export function openPool(url: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url, max: 10, statement_timeout: 2000, idle_in_transaction_session_timeout: 60_000, application_name: 'roster-ceiling',
    // bigint counters as numbers, as the store reads them.
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser },
  });
  pool.on('error', () => undefined);
  return pool;
}

/** Runs `fn` in one write transaction (its BEGIN and bounds one text); ROLLBACK on failure. */
async function inTx<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query(WRITE_BEGIN);
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
}

/** What a list answers: the page's rows (with the look-ahead row of a keyset page), their groups, the total. */
export interface ListPage {
  readonly rows: Row[];
  readonly groups: Map<string, GroupOfUser[]>;
  readonly total: number;
}

type ListRow = Row & { rel_over: boolean | null; rel_ids: string[] | null; rel_texts: string[] | null; total_n: number | null };

/**
 * A `GET /Users` page as Roster's store runs it: one statement with the page, its users'
 * groups and (when the page does not tell it) the total. `after` is a keyset page (`''` the
 * first one, which is a plain page of one more row).
 */
export async function listUsers(pool: pg.Pool, tenant: string, q: { name?: string; count: number; startIndex: number; after?: string }): Promise<ListPage> {
  const keyset = q.after !== undefined && q.after !== '';
  const limit = q.after !== undefined ? q.count + 1 : q.count;
  const offset = q.after !== undefined || q.name !== undefined ? 0 : q.startIndex - 1;
  const tail = [keyset, limit, offset, 1000];
  const { rows: got } = q.name !== undefined
    ? await runUnnamed<ListRow>(pool, BY_NAME, [tenant, 'User', q.name, limit, offset, ...tail])
    : keyset
      ? await runUnnamed<ListRow>(pool, AFTER, [tenant, 'User', q.after, limit, offset, ...tail])
      : await runUnnamed<ListRow>(pool, PAGE, [tenant, 'User', limit, offset, ...tail]);
  const rows = got.filter((r) => r.id !== null);
  const groups = new Map<string, GroupOfUser[]>();
  for (const r of rows) {
    if (r.rel_over === true || r.rel_ids === null) continue;
    groups.set(r.id, r.rel_ids.map((g, i) => ({ member_id: r.id, group_id: g, data: r.rel_texts?.[i] ?? '{}' })));
  }
  const total = got[0]?.total_n;
  return { rows, groups, total: total === null || total === undefined ? offset + rows.length : Number(total) };
}


/** Who made a change, as the audit row names the API key (docs/audit.md). */
export interface Actor {
  readonly keyId: string;
}

type Event = { method: string; path: string; type: string; id: string; op: string; status: number; change: unknown; event: string; payload: unknown };

/** The unit of work's audit row and outbox event with both counters, in one statement (pg-events.ts). */
async function appendEvents(c: pg.PoolClient, tenant: string, actor: Actor, at: string, e: Event): Promise<void> {
  await run(c, APPEND, [
    tenant, 1, 1, [randomUUID()], [at], ['api_key'], [actor.keyId], [`roster_${actor.keyId}`], [randomUUID()], ['generic'],
    [e.method], [e.path], [e.type], [e.id], [e.op], [JSON.stringify(e.change)], ['success'], [e.status], ['[]'],
    [randomUUID()], [e.event], [at], [JSON.stringify(e.payload)],
  ]);
}

/**
 * `POST /Users`: in one write transaction the restore lookup, the resource row with its
 * email values and `platform_users` row (one statement), and the audit and outbox rows (one
 * statement). Returns the stored row, or undefined when the userName is taken (409).
 */
export async function createUser(pool: pg.Pool, tenant: string, actor: Actor, data: Record<string, unknown>): Promise<Row | undefined> {
  const id = randomUUID();
  const at = new Date().toISOString();
  const search = searchOf(data);
  const externalId = typeof data.externalId === 'string' ? data.externalId : null;
  const userName = String(data.userName);
  const text = JSON.stringify(data);
  const emails = ((search.emails as { value?: unknown }[] | undefined) ?? []).map((e) => e.value).filter((v): v is string => typeof v === 'string');
  const made = await inTx(pool, async (c) => {
    if (externalId !== null) await run(c, HIDDEN, [tenant, externalId]);
    const ins = await run<{ n: number }>(c, INSERT, [tenant, 'User', id, text, JSON.stringify(search), 1, at, at, userName.toLowerCase(), externalId,
      emails, data.active === false ? 'inactive' : 'active', userName]);
    if (Number(ins.rows[0]?.n ?? 0) === 0) return false;
    const change = { attributes: Object.keys(data).sort().map((k) => ({ path: k, after: data[k] })) };
    await appendEvents(c, tenant, actor, at, {
      method: 'POST', path: '/Users', type: 'User', id, op: 'create', status: 201, change, event: 'user.created',
      payload: { id, userName, externalId, active: data.active },
    });
    return true;
  });
  if (!made) return undefined;
  return { id, data: text, version: 1, created: at, last_modified: at };
}

/**
 * `PATCH /Groups/{id}` adding members: the group and its `platform_roles` row read outside
 * the transaction (where Roster plans the PATCH), then in one write transaction the group
 * locked, the new members looked up, the member rows with the group's size (one statement),
 * the group's row with its email values (one statement), and the audit and outbox rows (one
 * statement). Returns the group after the change, or undefined when it does not exist.
 */
export async function addMembers(pool: pg.Pool, tenant: string, actor: Actor, groupId: string, values: readonly string[], status: number): Promise<Row | undefined> {
  await run(pool, BY_ID, [tenant, groupId, 'Group']);
  await run(pool, PLATFORM_ROLE, [tenant, groupId]);
  return inTx(pool, async (c) => {
    const cur = (await run<Row>(c, `${BY_ID} FOR NO KEY UPDATE`, [tenant, groupId, 'Group'])).rows[0];
    if (cur === undefined) return undefined;
    const kinds = new Map((await run<{ id: string; type: string }>(c, EXISTING, [tenant, values])).rows.map((r) => [r.id, r.type]));
    const known = values.filter((v) => kinds.has(v));
    const added = known.length === 0 ? [] : (await run<{ member_id: string }>(c, ADD_MEMBERS, [tenant, groupId, known, known.map((v) => kinds.get(v)), known.map(() => null), known.map(() => null)])).rows.map((r) => r.member_id);
    if (added.length === 0) return cur;
    const data = JSON.parse(cur.data) as Record<string, unknown>;
    const at = new Date().toISOString();
    await run(c, UPDATE, [cur.data, JSON.stringify(searchOf(data)), cur.version + 1, at, String(data.displayName).toLowerCase(), null, tenant, 'Group', groupId, cur.version, [], '', 'active']);
    const members = { added, removed: [], addedCount: added.length, removedCount: 0 };
    await appendEvents(c, tenant, actor, at, {
      method: 'PATCH', path: `/Groups/${groupId}`, type: 'Group', id: groupId, op: 'patch', status, change: { attributes: [], members }, event: 'role.member_added',
      payload: { id: groupId, members: added, batch: 1, batches: 1, count: added.length },
    });
    return { ...cur, version: cur.version + 1, last_modified: at };
  });
}
