/**
 * The database work of the bare PostgreSQL ceiling (`bench/ceiling-pg.ts`), statement for
 * statement what Roster's PostgreSQL store runs for each benchmarked request
 * (`src/store/postgres/pg-store.ts`, `pg-ops.ts`, `pg-query.ts`, `pg-events.ts`,
 * `pg-session.ts`; docs/benchmark.md "PostgreSQL"): the same SQL text, the same
 * transactions (a `REPEATABLE READ READ ONLY` snapshot for a list, `BEGIN` + the
 * statement bounds for a write) and the same prepared/unprepared choice (the store's fixed
 * statements are named, the compiled page query is not). Re-record it whenever the store's
 * SQL changes, or the ratio stops being honest. It was recorded before the store's
 * round-trip cuts (docs/storage.md "Round trips") and still sends the older, longer
 * sequences: until it is re-recorded its ratios are upper bounds (docs/benchmark.md).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';

/** A resources row as the ceiling reads it (`data` is the stored JSON text). */
export type Row = { id: string; data: string; version: number; created: string; last_modified: string };
/** A group of a page's user, as Roster's `loadGroups` reads it. */
export type GroupOfUser = { member_id: string; group_id: string; data: string };

const COLS = 'r.tenant_id, r.type, r.id, r.data, r.version, r.created, r.last_modified';
// The list page as src/store/sql/plan-query.ts compiles it for these three shapes (no row guard on PostgreSQL).
const PAGE = `SELECT ${COLS} FROM resources r WHERE r.tenant_id = $1 AND r.type = $2 ORDER BY r.id ASC LIMIT $3 OFFSET $4`;
const AFTER = `SELECT ${COLS} FROM resources r WHERE r.tenant_id = $1 AND r.type = $2 AND r.id > $3 ORDER BY r.id ASC LIMIT $4 OFFSET $5`;
const BY_NAME = `SELECT ${COLS} FROM resources r WHERE r.tenant_id = $1 AND r.type = $2 AND (r.name_fold IS NOT NULL AND r.name_fold = $3) ORDER BY r.id ASC LIMIT $4 OFFSET $5`;
const COUNT_NAME = 'SELECT COUNT(*) AS n FROM resources r WHERE r.tenant_id = $1 AND r.type = $2 AND (r.name_fold IS NOT NULL AND r.name_fold = $3)';
const TYPE_COUNT = 'SELECT n FROM resource_counts WHERE tenant_id = $1 AND type = $2';
const USERS_OVER = 'SELECT u.id FROM unnest($2::text[]) AS u(id) WHERE EXISTS (SELECT 1 FROM members m WHERE m.tenant_id = $1 AND m.member_id = u.id OFFSET $3 LIMIT 1)';
const GROUPS_OF = `SELECT m.member_id, m.group_id, g.data FROM members m JOIN resources g ON g.tenant_id = m.tenant_id AND g.id = m.group_id
     WHERE m.tenant_id = $1 AND m.member_id = ANY($2::text[]) ORDER BY m.member_id, m.group_id`;

const SNAPSHOT = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';
// A write's statement bounds (pg-session.ts): one more round trip per write transaction.
const BOUNDS = `SELECT set_config('lock_timeout', current_setting('statement_timeout'), true),
          set_config('statement_timeout', '30000', true)`;
const HIDDEN = 'SELECT id, hidden FROM platform_users WHERE tenant_id = $1 AND external_id = $2 AND hidden IS NOT NULL ORDER BY deprovisioned_at DESC NULLS LAST LIMIT 1';
const INSERT = `INSERT INTO resources (tenant_id, type, id, data, search, version, created, last_modified, name_fold, external_id)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`;
const EMAILS = 'INSERT INTO email_values (tenant_id, resource_id, value_fold) SELECT $1, $2, v FROM unnest($3::text[]) AS v ON CONFLICT DO NOTHING';
const PLATFORM_USER = `INSERT INTO platform_users (tenant_id, id, status, managed, user_name, name_fold, external_id) VALUES ($1, $2, $3, TRUE, $4, $5, $6)
         ON CONFLICT (tenant_id, id) DO UPDATE SET hidden = NULL, deprovisioned_at = NULL,
           user_name = excluded.user_name, name_fold = excluded.name_fold, external_id = excluded.external_id,
           status = CASE WHEN platform_users.suspended_at IS NOT NULL THEN 'suspended' ELSE excluded.status END,
           managed = platform_users.suspended_at IS NULL`;
const PLATFORM_USER_ROW = 'SELECT id, user_name, external_id, status, managed, suspended_at, deprovisioned_at FROM platform_users WHERE tenant_id = $1 AND id = $2';
const BY_ID = `SELECT ${COLS} FROM resources r WHERE r.tenant_id = $1 AND r.id = $2 AND r.type = $3`;
const PLATFORM_ROLE = 'SELECT 1 FROM platform_roles WHERE tenant_id = $1 AND id = $2';
const EXISTING = 'SELECT id, type FROM resources WHERE tenant_id = $1 AND id = ANY($2::text[])';
const GROUP_LOCK = 'SELECT 1 FROM resources WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE';
const ADD_MEMBERS = `INSERT INTO members (tenant_id, group_id, member_id, member_type, display, display_fold)
         SELECT $1, $2, m.id, m.type, m.display, m.fold FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS m(id, type, display, fold, n)
         ORDER BY m.n ON CONFLICT DO NOTHING RETURNING member_id`;
const MEMBER_COUNT = 'SELECT n FROM member_counts WHERE tenant_id = $1 AND group_id = $2';
const UPDATE = `UPDATE resources SET data = $1, search = $2::jsonb, version = $3, last_modified = $4, name_fold = $5, external_id = $6
         WHERE tenant_id = $7 AND type = $8 AND id = $9 AND version = $10`;
const CLEAR_EMAILS = 'DELETE FROM email_values WHERE tenant_id = $1 AND resource_id = $2';
const BUMP = `INSERT INTO event_counters AS c (tenant_id, audit_seq, outbox_seq) VALUES ($1, $2, $3)
  ON CONFLICT (tenant_id) DO UPDATE SET audit_seq = c.audit_seq + excluded.audit_seq, outbox_seq = c.outbox_seq + excluded.outbox_seq
  RETURNING audit_seq, outbox_seq`;
const AUDIT = `INSERT INTO audit_events (tenant_id, seq, id, occurred_at, actor_kind, actor_id, actor_label, request_id, idp,
  method, path, resource_type, resource_id, operation, change, outcome, status, normalisations)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`;
const BUMP_FEED = 'UPDATE event_feed SET gseq = gseq + $1 WHERE id = 1 RETURNING gseq';
const OUTBOX = 'INSERT INTO outbox_events (tenant_id, seq, id, type, occurred_at, payload, gseq) VALUES ($1, $2, $3, $4, $5, $6, $7)';

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

/** Runs `fn` in one transaction opened by `begin` (a snapshot, or a write with its bounds); ROLLBACK on failure. */
async function inTx<T>(pool: pg.Pool, write: boolean, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query(write ? 'BEGIN' : SNAPSHOT);
    if (write) await c.query(BOUNDS);
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

/** The relations of a page's users (pg-query.ts attachRelations): the bound probe, then their groups. */
async function groupsOf(c: pg.PoolClient, tenant: string, rows: readonly Row[]): Promise<Map<string, GroupOfUser[]>> {
  const by = new Map<string, GroupOfUser[]>();
  if (rows.length === 0) return by;
  const ids = rows.map((r) => r.id);
  const over = new Set((await run<{ id: string }>(c, USERS_OVER, [tenant, ids, 1000])).rows.map((r) => r.id));
  const { rows: gs } = await run<GroupOfUser>(c, GROUPS_OF, [tenant, ids.filter((id) => !over.has(id))]);
  for (const g of gs) (by.get(g.member_id) ?? by.set(g.member_id, []).get(g.member_id))?.push(g);
  return by;
}

/**
 * A `GET /Users` page in one read snapshot, as Roster's store runs it: the page; then the
 * total (the `resource_counts` row unfiltered, or no COUNT when a filtered page is not
 * full); then the page's groups. `after` is a keyset page (`''` the first one).
 */
export function listUsers(pool: pg.Pool, tenant: string, q: { name?: string; count: number; startIndex: number; after?: string }): Promise<ListPage> {
  return inTx(pool, false, async (c) => {
    if (q.name !== undefined) {
      const { rows } = await runUnnamed<Row>(c, BY_NAME, [tenant, 'User', q.name, q.count, 0]);
      const total = rows.length < q.count ? rows.length : Number((await runUnnamed<{ n: number }>(c, COUNT_NAME, [tenant, 'User', q.name])).rows[0]?.n ?? 0);
      return { rows, total, groups: await groupsOf(c, tenant, rows) };
    }
    const keyset = q.after !== undefined;
    const limit = keyset ? q.count + 1 : q.count;
    const { rows } = q.after === undefined || q.after === ''
      ? await runUnnamed<Row>(c, PAGE, [tenant, 'User', limit, keyset ? 0 : q.startIndex - 1])
      : await runUnnamed<Row>(c, AFTER, [tenant, 'User', q.after, limit, 0]);
    const total = Number((await run<{ n: number }>(c, TYPE_COUNT, [tenant, 'User'])).rows[0]?.n ?? 0);
    return { rows, total, groups: await groupsOf(c, tenant, rows) };
  });
}

/** The search document: caseExact=false strings folded (lower-case suffices for the bench's ASCII data), as bench/ceiling.ts. */
export function searchOf(data: Record<string, unknown>): Record<string, unknown> {
  const fold = (v: unknown, key: string): unknown => {
    if (typeof v === 'string') return key === 'externalId' ? v : v.toLowerCase();
    if (Array.isArray(v)) return v.map((x) => fold(x, key));
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fold(x, k)]));
    return v;
  };
  return fold(data, '') as Record<string, unknown>;
}

/** Who made a change, as the audit row names the API key (docs/audit.md). */
export interface Actor {
  readonly keyId: string;
}

type Event = { method: string; path: string; type: string; id: string; op: string; status: number; change: unknown; event: string; payload: unknown };

/** The unit of work's audit row and outbox event (pg-events.ts): the counters, the audit row, the feed counter, the outbox row. */
async function appendEvents(c: pg.PoolClient, tenant: string, actor: Actor, at: string, e: Event): Promise<void> {
  const seq = (await run<{ audit_seq: number; outbox_seq: number }>(c, BUMP, [tenant, 1, 1])).rows[0];
  if (seq === undefined) throw new Error('event counter upsert returned no row');
  await run(c, AUDIT, [tenant, seq.audit_seq, randomUUID(), at, 'api_key', actor.keyId, `roster_${actor.keyId}`, randomUUID(), 'generic',
    e.method, e.path, e.type, e.id, e.op, JSON.stringify(e.change), 'success', e.status, '[]']);
  const gseq = (await run<{ gseq: number }>(c, BUMP_FEED, [1])).rows[0]?.gseq;
  await run(c, OUTBOX, [tenant, seq.outbox_seq, randomUUID(), e.event, at, JSON.stringify(e.payload), gseq]);
}

/**
 * `POST /Users`: in one write transaction the restore lookup, the resource row (search
 * document, name_fold, external_id), its email values, its `platform_users` row and the
 * audit and outbox rows; after the COMMIT the new user's lifecycle row, as Roster reads it.
 * Returns the stored row, or undefined when the userName is taken (409).
 */
export async function createUser(pool: pg.Pool, tenant: string, actor: Actor, data: Record<string, unknown>): Promise<Row | undefined> {
  const id = randomUUID();
  const at = new Date().toISOString();
  const search = searchOf(data);
  const externalId = typeof data.externalId === 'string' ? data.externalId : null;
  const userName = String(data.userName);
  const text = JSON.stringify(data);
  const emails = ((search.emails as { value?: unknown }[] | undefined) ?? []).map((e) => e.value).filter((v): v is string => typeof v === 'string');
  const made = await inTx(pool, true, async (c) => {
    if (externalId !== null) await run(c, HIDDEN, [tenant, externalId]);
    const ins = await run(c, INSERT, [tenant, 'User', id, text, JSON.stringify(search), 1, at, at, userName.toLowerCase(), externalId]);
    if (ins.rowCount === 0) return false;
    if (emails.length > 0) await run(c, EMAILS, [tenant, id, emails]);
    await run(c, PLATFORM_USER, [tenant, id, data.active === false ? 'inactive' : 'active', userName, userName.toLowerCase(), externalId]);
    const change = { attributes: Object.keys(data).sort().map((k) => ({ path: k, after: data[k] })) };
    await appendEvents(c, tenant, actor, at, {
      method: 'POST', path: '/Users', type: 'User', id, op: 'create', status: 201, change, event: 'user.created',
      payload: { id, userName, externalId, active: data.active },
    });
    return true;
  });
  if (!made) return undefined;
  await run(pool, PLATFORM_USER_ROW, [tenant, id]);
  return { id, data: text, version: 1, created: at, last_modified: at };
}

/**
 * `PATCH /Groups/{id}` adding members: the group and its `platform_roles` row read outside
 * the transaction (where Roster plans the PATCH), then in one write transaction the group
 * locked, the new members looked up, the group's membership lock, the member rows, the
 * size cap's counter, the group's version bump, its email values cleared, and the audit and
 * outbox rows. Returns the group after the change, or undefined when it does not exist.
 */
export async function addMembers(pool: pg.Pool, tenant: string, actor: Actor, groupId: string, values: readonly string[], status: number): Promise<Row | undefined> {
  await run(pool, BY_ID, [tenant, groupId, 'Group']);
  await run(pool, PLATFORM_ROLE, [tenant, groupId]);
  return inTx(pool, true, async (c) => {
    const cur = (await run<Row>(c, `${BY_ID} FOR NO KEY UPDATE`, [tenant, groupId, 'Group'])).rows[0];
    if (cur === undefined) return undefined;
    const kinds = new Map((await run<{ id: string; type: string }>(c, EXISTING, [tenant, values])).rows.map((r) => [r.id, r.type]));
    const known = values.filter((v) => kinds.has(v));
    await run(c, GROUP_LOCK, [tenant, groupId]);
    const added = known.length === 0 ? [] : (await run<{ member_id: string }>(c, ADD_MEMBERS, [tenant, groupId, known, known.map((v) => kinds.get(v)), known.map(() => null), known.map(() => null)])).rows.map((r) => r.member_id);
    if (added.length === 0) return cur;
    await run(c, MEMBER_COUNT, [tenant, groupId]);
    const data = JSON.parse(cur.data) as Record<string, unknown>;
    const at = new Date().toISOString();
    await run(c, UPDATE, [cur.data, JSON.stringify(searchOf(data)), cur.version + 1, at, String(data.displayName).toLowerCase(), null, tenant, 'Group', groupId, cur.version]);
    await run(c, CLEAR_EMAILS, [tenant, groupId]);
    const members = { added, removed: [], addedCount: added.length, removedCount: 0 };
    await appendEvents(c, tenant, actor, at, {
      method: 'PATCH', path: `/Groups/${groupId}`, type: 'Group', id: groupId, op: 'patch', status, change: { attributes: [], members }, event: 'role.member_added',
      payload: { id: groupId, members: added, batch: 1, batches: 1, count: added.length },
    });
    return { ...cur, version: cur.version + 1, last_modified: at };
  });
}
