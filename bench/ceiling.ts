/**
 * The bare ceiling: a plain `node:http` server doing the SAME SQL as Roster on the
 * SAME database file (Roster's schema), with the same pragmas (WAL, `synchronous`,
 * foreign keys, busy timeout) and the same two connections (writer + query-only
 * reader) — and nothing else: no validation, no SCIM parsing beyond a regex, the
 * same key-lookup statement with a bare digest check, JSON spliced from the stored text.
 *
 * Per request it runs exactly the statements Roster runs for that request (traced
 * from Roster with the store's `trace` hook; see docs/benchmark.md), including the
 * authentication lookup (api_keys ⋈ tenants), the audit row and outbox event of each
 * write, and the same group commit (one COMMIT per event-loop turn). So ceiling ÷
 * Roster = what Roster's code costs on top of the database work.
 *
 *   node --import tsx bench/ceiling.ts <db> <port>
 *   env: BENCH_TENANT (tenant id), BENCH_SYNCHRONOUS (FULL|NORMAL)
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { GROUP_URN, USER_URN, metaJson, searchOf } from './ceiling-shared.ts';

type Row = { tenant_id: string; type: string; id: string; data: string; version: number; created: string; last_modified: string };
type GroupOfUser = { member_id: string; group_id: string; display: unknown };
type MemberRow = { group_id: string; member_id: string; member_type: string; display: string | null };

const [file, portArg] = process.argv.slice(2);
const tenant = process.env.BENCH_TENANT ?? '';
const synchronous = process.env.BENCH_SYNCHRONOUS === 'NORMAL' ? 'NORMAL' : 'FULL';
if (file === undefined || tenant === '') {
  console.error('usage: BENCH_TENANT=… node --import tsx bench/ceiling.ts <db> <port>');
  process.exit(2);
}

function open(readOnly: boolean): Database.Database {
  const db = new Database(file as string);
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('foreign_keys = ON');
  if (readOnly) db.pragma('query_only = ON');
  return db;
}
const w = open(false);
const r = open(true);
// Roster's per-row query deadline check (docs/storage.md "Query deadline"), at the same cost.
let deadline = Number.POSITIVE_INFINITY;
r.function('scim_live', { deterministic: false, directOnly: true }, (_rowid: unknown) => {
  if (performance.now() > deadline) throw new Error('query deadline');
  return 1;
});
const live = <T>(fn: () => T): T => {
  deadline = performance.now() + 2000;
  return fn();
};

const COLS = 'r.tenant_id, r.type, r.id, r.data, r.version, r.created, r.last_modified';
const GROUPS_OF = `SELECT m.member_id, m.group_id, json_extract(g.data, '$.displayName') AS display FROM members m JOIN resources g ON g.tenant_id = m.tenant_id AND g.id = m.group_id WHERE m.tenant_id = ? AND m.member_id IN (SELECT value FROM json_each(?)) ORDER BY m.member_id, m.group_id`;
const sql = (db: Database.Database) => ({
  byId: db.prepare(`SELECT ${COLS} FROM resources r WHERE r.tenant_id = ? AND r.id = ? AND r.type = ?`),
  groupsOf: db.prepare(GROUPS_OF),
  membersOf: db.prepare('SELECT group_id, member_id, member_type, display FROM members WHERE tenant_id = ? AND group_id IN (SELECT value FROM json_each(?)) ORDER BY group_id, member_id'),
});
const ws = {
  ...sql(w),
  insert: w.prepare('INSERT INTO resources (tenant_id, type, id, data, search, version, created, last_modified, name_fold, external_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
  email: w.prepare('INSERT OR IGNORE INTO email_values (tenant_id, resource_id, value_fold) VALUES (?, ?, ?)'),
  existing: w.prepare('SELECT id, type FROM resources WHERE tenant_id = ? AND id = ?'),
  addMember: w.prepare('INSERT OR IGNORE INTO members (tenant_id, group_id, member_id, member_type, display) VALUES (?, ?, ?, ?, ?)'),
  update: w.prepare('UPDATE resources SET data = ?, search = ?, version = ?, last_modified = ?, name_fold = ?, external_id = ? WHERE tenant_id = ? AND type = ? AND id = ? AND version = ?'),
  clearEmails: w.prepare('DELETE FROM email_values WHERE tenant_id = ? AND resource_id = ?'),
  // The restore lookup before a create (a hidden user with the same externalId, docs/scim-api.md "User lifecycle").
  hidden: w.prepare('SELECT id, hidden FROM platform_users INDEXED BY platform_users_hidden_external_id WHERE tenant_id = ? AND external_id = ? AND hidden IS NOT NULL'),
  memberCount: w.prepare('SELECT n FROM member_counts WHERE tenant_id = ? AND group_id = ?'),
  // The unit of work's audit row and outbox event (src/store/sqlite/events.ts).
  bump: w.prepare(`INSERT INTO event_counters (tenant_id, audit_seq, outbox_seq) VALUES (?, ?, ?)
    ON CONFLICT (tenant_id) DO UPDATE SET audit_seq = audit_seq + excluded.audit_seq, outbox_seq = outbox_seq + excluded.outbox_seq
    RETURNING audit_seq, outbox_seq`),
  audit: w.prepare(`INSERT INTO audit_events (tenant_id, seq, id, occurred_at, actor_kind, actor_id, actor_label, request_id, idp,
    method, path, resource_type, resource_id, operation, change, outcome, status, normalisations)
    VALUES (?, ?, ?, ?, 'api_key', ?, ?, ?, 'generic', ?, ?, ?, ?, ?, ?, 'success', ?, '[]')`),
  outbox: w.prepare('INSERT INTO outbox_events (tenant_id, seq, id, type, occurred_at, payload) VALUES (?, ?, ?, ?, ?, ?)'),
};
const rs = {
  ...sql(r),
  countAll: r.prepare('SELECT n FROM resource_counts WHERE tenant_id = ? AND type = ?'),
  countName: r.prepare('SELECT COUNT(*) AS n FROM resources r WHERE r.tenant_id = ? AND r.type = ? AND scim_live(r.rowid) AND (r.name_fold IS NOT NULL AND r.name_fold = ?)'),
  byName: r.prepare(`SELECT ${COLS} FROM resources r WHERE r.tenant_id = ? AND r.type = ? AND scim_live(r.rowid) AND (r.name_fold IS NOT NULL AND r.name_fold = ?) ORDER BY r.id ASC LIMIT ? OFFSET ?`),
  page: r.prepare(`SELECT ${COLS} FROM resources r WHERE r.tenant_id = ? AND r.type = ? AND scim_live(r.rowid) ORDER BY r.id ASC LIMIT ? OFFSET ?`),
  after: r.prepare(`SELECT ${COLS} FROM resources r WHERE r.tenant_id = ? AND r.type = ? AND scim_live(r.rowid) AND r.id > ? ORDER BY r.id ASC LIMIT ? OFFSET ?`),
  usersOver: r.prepare('SELECT j.value AS id FROM json_each(?) j WHERE EXISTS (SELECT 1 FROM members m WHERE m.tenant_id = ? AND m.member_id = j.value LIMIT 1 OFFSET ?)'),
  platformRole: r.prepare('SELECT 1 FROM platform_roles WHERE tenant_id = ? AND id = ?'),
  platformUser: r.prepare('SELECT id, user_name, external_id, status, managed, suspended_at, deprovisioned_at FROM platform_users WHERE tenant_id = ? AND id = ?'),
  // The key lookup Roster runs on every request (store.findApiKeyWithTenant).
  apiKey: r.prepare(
    `SELECT k.id, k.tenant_id, k.digest, k.last4, k.created_at, k.expires_at, t.name AS t_name, t.idp AS t_idp, t.created_at AS t_created_at
     FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.id = ?`,
  ),
};

/**
 * The same authentication SQL as Roster (one key lookup by its id part) and a
 * constant-time digest check; none of Roster's parsing, checksum or error bodies.
 */
let keyId = '';
function authorised(header: string | undefined): boolean {
  if (header === undefined || !header.startsWith('Bearer roster_')) return false;
  const [, id, rest] = header.slice(7).split('_');
  if (id === undefined || rest === undefined || rest.length <= 6) return false;
  keyId = id;
  const row = rs.apiKey.get(id) as { digest: string; tenant_id: string; expires_at: string | null } | undefined;
  if (row === undefined || row.tenant_id !== tenant || row.expires_at !== null) return false;
  const actual = createHash('sha256').update(rest.slice(0, -6), 'utf8').digest();
  const expected = Buffer.from(row.digest, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

let base = '';
const USER = USER_URN;
const GROUP = GROUP_URN;
const q = JSON.stringify;
const meta = (type: string, row: Row): string => metaJson(base, type, row);

function userJson(row: Row, groups: readonly GroupOfUser[]): string {
  const gs = groups.map((g) => `{"value":"${g.group_id}","$ref":"${base}/Groups/${g.group_id}","display":${q(g.display)},"type":"direct"}`).join(',');
  return `{"schemas":["${USER}"],"id":"${row.id}",${row.data.slice(1, -1)},"groups":[${gs}],${meta('User', row)}}`;
}

function groupJson(row: Row, members: readonly MemberRow[]): string {
  const ms = members.map((m) => `{"value":"${m.member_id}","$ref":"${base}/${m.member_type}s/${m.member_id}","type":"${m.member_type}"}`).join(',');
  return `{"schemas":["${GROUP}"],"id":"${row.id}",${row.data.slice(1, -1)},"members":[${ms}],${meta('Group', row)}}`;
}

/**
 * Users of a page with their groups, as Roster loads them: the probe for users in more
 * groups than `--list-max-members` (default 1,000; their groups are left out), then one
 * IN-list query per page.
 */
function usersWithGroups(rows: readonly Row[]): string[] {
  const ids = q(rows.map((x) => x.id));
  rs.usersOver.all(ids, tenant, 1000);
  const groups = rs.groupsOf.all(tenant, ids) as GroupOfUser[];
  const by = new Map<string, GroupOfUser[]>();
  for (const g of groups) (by.get(g.member_id) ?? by.set(g.member_id, []).get(g.member_id))?.push(g);
  return rows.map((x) => userJson(x, by.get(x.id) ?? []));
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/scim+json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

const list = (total: number, items: string[], extra: string): string =>
  `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":${total},"itemsPerPage":${items.length}${extra},"Resources":[${items.join(',')}]}`;


/**
 * Group commit as Roster does it (docs/storage.md "Group commit"): each write runs in a
 * SAVEPOINT of the open transaction; the COMMIT runs at the end of the event-loop turn
 * and only then are the responses of the group sent.
 */
const pending: (() => void)[] = [];
function unit(fn: () => void): void {
  if (!w.inTransaction) w.exec('BEGIN IMMEDIATE');
  w.exec('SAVEPOINT unit_of_work');
  try {
    fn();
    w.exec('RELEASE unit_of_work');
  } catch (e) {
    w.exec('ROLLBACK TO unit_of_work');
    w.exec('RELEASE unit_of_work');
    throw e;
  }
  if (pending.length === 0) setImmediate(flush);
}
function flush(): void {
  if (w.inTransaction) w.exec('COMMIT');
  for (const send of pending.splice(0)) send();
}

/** The audit row and outbox event of one change, as the unit of work appends them. */
function appendEvents(ts: string, method: string, path: string, type: string, id: string, op: string, status: number, change: unknown, event: string, payload: unknown): void {
  const last = ws.bump.get(tenant, 1, 1) as { audit_seq: number; outbox_seq: number };
  ws.audit.run(tenant, last.audit_seq, crypto.randomUUID(), ts, keyId, `roster_${keyId}`, crypto.randomUUID(), method, path, type, id, op, q(change), status);
  ws.outbox.run(tenant, last.outbox_seq, crypto.randomUUID(), event, ts, q(payload));
}

function createUser(body: Record<string, unknown>, res: ServerResponse): void {
  const { schemas: _s, ...data } = body;
  const search = searchOf(data);
  const id = crypto.randomUUID();
  const ts = new Date().toISOString();
  const emails = (search.emails as { value?: string }[] | undefined) ?? [];
  const externalId = typeof data.externalId === 'string' ? data.externalId : null;
  try {
    unit(() => {
      if (externalId !== null) ws.hidden.get(tenant, externalId);
      ws.insert.run(tenant, 'User', id, q(data), q(search), 1, ts, ts, String(data.userName).toLowerCase(), externalId);
      for (const e of emails) if (typeof e.value === 'string') ws.email.run(tenant, id, e.value);
      const change = { attributes: Object.keys(data).sort().map((k) => ({ path: k, after: data[k] })) };
      appendEvents(ts, 'POST', '/Users', 'User', id, 'create', 201, change, 'user.created', { id, userName: data.userName, externalId, active: data.active });
    });
  } catch (e) {
    if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return send(res, 409, '{"status":"409","scimType":"uniqueness"}');
    throw e;
  }
  pending.push(() => {
    // Roster reads the new user's lifecycle row after the commit, and answers from what it
    // wrote: no read-back, and a new user is in no group.
    rs.platformUser.get(tenant, id);
    send(res, 201, userJson({ tenant_id: tenant, type: 'User', id, data: q(data), version: 1, created: ts, last_modified: ts }, []), { location: `${base}/Users/${id}` });
  });
}

function patchGroup(id: string, body: { Operations?: { value?: { value: string }[] }[] }, withBody: boolean, res: ServerResponse): void {
  const values = (body.Operations ?? []).flatMap((o) => o.value ?? []).map((v) => v.value);
  // Roster reads and plans the PATCH outside the write transaction, on the reader.
  rs.byId.get(tenant, id, 'Group');
  rs.platformRole.get(tenant, id);
  let out: Row | undefined;
  unit(() => {
    const cur = ws.byId.get(tenant, id, 'Group') as Row | undefined;
    if (cur === undefined) return;
    // One primary-key lookup per id (as Roster's existingIds for a single member).
    const kinds = new Map<string, string>();
    for (const v of values) {
      const k = ws.existing.get(tenant, v) as { id: string; type: string } | undefined;
      if (k !== undefined) kinds.set(k.id, k.type);
    }
    const added: string[] = [];
    for (const v of values) if (kinds.has(v) && ws.addMember.run(tenant, id, v, kinds.get(v), null).changes > 0) added.push(v);
    out = cur;
    if (added.length > 0) {
      ws.memberCount.get(tenant, id);
      const data = JSON.parse(cur.data) as Record<string, unknown>;
      const ts = new Date().toISOString();
      ws.update.run(cur.data, q(searchOf(data)), cur.version + 1, ts, String(data.displayName).toLowerCase(), null, tenant, 'Group', id, cur.version);
      ws.clearEmails.run(tenant, id);
      const members = { added, removed: [], addedCount: added.length, removedCount: 0 };
      appendEvents(ts, 'PATCH', `/Groups/${id}`, 'Group', id, 'patch', withBody ? 200 : 204, { attributes: [], members }, 'role.member_added', { id, members: added, batch: 1, batches: 1, count: added.length });
      out = { ...cur, version: cur.version + 1, last_modified: ts };
    }
  });
  pending.push(() => {
    if (out === undefined) return send(res, 404, '{"status":"404"}');
    const etag = `W/"${out.version}"`;
    // Roster: 204 + ETag; with excludedAttributes=members, 200 with the group built from
    // what was written (no member rows read, no read-back).
    if (!withBody) {
      res.writeHead(204, { etag });
      res.end();
      return;
    }
    send(res, 200, groupJson(out, []).replace(',"members":[]', ''), { etag });
  });
}

const listUsers = r.transaction((query: URLSearchParams): string => {
  const filter = query.get('filter');
  if (filter !== null) {
    const name = /^userName eq "(.*)"$/.exec(filter)?.[1]?.toLowerCase() ?? '';
    const rows = live(() => rs.byName.all(tenant, 'User', name, 100, 0)) as Row[];
    // A page that is not full is the whole result: no COUNT (as Roster).
    const total = rows.length < 100 ? rows.length : live(() => rs.countName.get(tenant, 'User', name) as { n: number }).n;
    return list(total, usersWithGroups(rows), ',"startIndex":1');
  }
  const count = Number(query.get('count') ?? 100);
  // Unfiltered totals come from the per-type counter row (as Roster), read after the page.
  const total = (): number => (rs.countAll.get(tenant, 'User') as { n: number } | undefined)?.n ?? 0;
  const cursor = query.get('cursor');
  if (cursor === null) {
    const start = Number(query.get('startIndex') ?? 1);
    const rows = live(() => rs.page.all(tenant, 'User', count, start - 1)) as Row[];
    return list(total(), usersWithGroups(rows), `,"startIndex":${start}`);
  }
  // Keyset paging: one row more than asked tells whether a next page exists (as Roster).
  const rows = live(() => (cursor === '' ? rs.page.all(tenant, 'User', count + 1, 0) : rs.after.all(tenant, 'User', cursor, count + 1, 0))) as Row[];
  const n = total();
  const items = usersWithGroups(rows).slice(0, count);
  const next = rows.length > count ? `,"nextCursor":"${rows[count - 1]?.id}"` : '';
  return list(n, items, next);
});

function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
  if (!authorised(req.headers.authorization)) return send(res, 401, '{"status":"401"}');
  const url = req.url ?? '/';
  const qi = url.indexOf('?');
  const path = qi < 0 ? url : url.slice(0, qi);
  const prefix = `/scim/v2/${tenant}/`;
  if (!path.startsWith(prefix)) return send(res, 404, '{"status":"404"}');
  const [type, id] = path.slice(prefix.length).split('/');
  if (type === 'Users' && id === undefined && req.method === 'GET') return send(res, 200, listUsers.deferred(new URLSearchParams(qi < 0 ? '' : url.slice(qi + 1))));
  if (type === 'Users' && id === undefined && req.method === 'POST') return createUser(JSON.parse(raw) as Record<string, unknown>, res);
  if (type === 'Groups' && id !== undefined && req.method === 'PATCH') {
    const withBody = /[?&](excludedAttributes|attributes)=/i.test(url);
    return patchGroup(id, JSON.parse(raw) as Parameters<typeof patchGroup>[1], withBody, res);
  }
  send(res, 404, '{"status":"404"}');
}

const server = createServer({ noDelay: true, keepAliveTimeout: 5000 }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      handle(req, res, Buffer.concat(chunks).toString('utf8'));
    } catch (e) {
      send(res, 500, q({ status: '500', detail: String(e) }));
    }
  });
});
server.listen(Number(portArg ?? 0), '127.0.0.1', () => {
  const port = (server.address() as AddressInfo).port;
  base = `http://localhost:${port}/scim/v2/${tenant}`;
  console.log(q({ msg: 'ceiling listening', port, journalMode: w.pragma('journal_mode', { simple: true }), synchronous: w.pragma('synchronous', { simple: true }) }));
});
process.once('SIGTERM', () => {
  server.close(() => {
    r.close();
    w.close();
  });
  server.closeAllConnections();
});
