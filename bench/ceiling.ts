/**
 * The bare ceiling: a plain `node:http` server doing the SAME SQL as Roster on the
 * SAME database file (Roster's schema), with the same pragmas (WAL, `synchronous`,
 * foreign keys, busy timeout) and the same two connections (writer + query-only
 * reader) — and nothing else: no validation, no SCIM parsing beyond a regex, the
 * same key-lookup statement with a bare digest check, JSON spliced from the stored text.
 *
 * Per request it runs exactly the statements Roster runs for that request (traced
 * from Roster with the store's `trace` hook; see docs/benchmark.md), including the
 * authentication lookup (api_keys ⋈ tenants). So ceiling ÷ Roster = what Roster's
 * code costs on top of the database work.
 *
 *   node --import tsx bench/ceiling.ts <db> <port>
 *   env: BENCH_TENANT (tenant id), BENCH_SYNCHRONOUS (FULL|NORMAL)
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';

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
};
const rs = {
  ...sql(r),
  countAll: r.prepare('SELECT n FROM resource_counts WHERE tenant_id = ? AND type = ?'),
  countName: r.prepare('SELECT COUNT(*) AS n FROM resources r WHERE r.tenant_id = ? AND r.type = ? AND scim_live(r.rowid) AND (r.name_fold IS NOT NULL AND r.name_fold = ?)'),
  byName: r.prepare(`SELECT ${COLS} FROM resources r WHERE r.tenant_id = ? AND r.type = ? AND scim_live(r.rowid) AND (r.name_fold IS NOT NULL AND r.name_fold = ?) ORDER BY r.id ASC LIMIT ? OFFSET ?`),
  page: r.prepare(`SELECT ${COLS} FROM resources r WHERE r.tenant_id = ? AND r.type = ? AND scim_live(r.rowid) ORDER BY r.id ASC LIMIT ? OFFSET ?`),
  after: r.prepare(`SELECT ${COLS} FROM resources r WHERE r.tenant_id = ? AND r.type = ? AND scim_live(r.rowid) AND r.id > ? ORDER BY r.id ASC LIMIT ? OFFSET ?`),
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
function authorised(header: string | undefined): boolean {
  if (header === undefined || !header.startsWith('Bearer roster_')) return false;
  const [, id, rest] = header.slice(7).split('_');
  if (id === undefined || rest === undefined || rest.length <= 6) return false;
  const row = rs.apiKey.get(id) as { digest: string; tenant_id: string; expires_at: string | null } | undefined;
  if (row === undefined || row.tenant_id !== tenant || row.expires_at !== null) return false;
  const actual = createHash('sha256').update(rest.slice(0, -6), 'utf8').digest();
  const expected = Buffer.from(row.digest, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

let base = '';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const q = JSON.stringify;

const meta = (type: string, row: Row): string =>
  `"meta":{"resourceType":"${type}","created":"${row.created}","lastModified":"${row.last_modified}","location":"${base}/${type}s/${row.id}","version":"W/\\"${row.version}\\""}`;

function userJson(row: Row, groups: readonly GroupOfUser[]): string {
  const gs = groups.map((g) => `{"value":"${g.group_id}","$ref":"${base}/Groups/${g.group_id}","display":${q(g.display)},"type":"direct"}`).join(',');
  return `{"schemas":["${USER}"],"id":"${row.id}",${row.data.slice(1, -1)},"groups":[${gs}],${meta('User', row)}}`;
}

function groupJson(row: Row, members: readonly MemberRow[]): string {
  const ms = members.map((m) => `{"value":"${m.member_id}","$ref":"${base}/${m.member_type}s/${m.member_id}","type":"${m.member_type}"}`).join(',');
  return `{"schemas":["${GROUP}"],"id":"${row.id}",${row.data.slice(1, -1)},"members":[${ms}],${meta('Group', row)}}`;
}

/** Users of a page with their groups, as Roster loads them (one IN-list query per page). */
function usersWithGroups(rows: readonly Row[]): string[] {
  const groups = rs.groupsOf.all(tenant, q(rows.map((x) => x.id))) as GroupOfUser[];
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

/** The search document: the body with caseExact=false strings folded (lower-case suffices for the bench's ASCII data). */
function searchOf(data: Record<string, unknown>): Record<string, unknown> {
  const fold = (v: unknown, key: string): unknown => {
    if (typeof v === 'string') return key === 'externalId' ? v : v.toLowerCase();
    if (Array.isArray(v)) return v.map((x) => fold(x, key));
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fold(x, k)]));
    return v;
  };
  return fold(data, '') as Record<string, unknown>;
}

function createUser(body: Record<string, unknown>, res: ServerResponse): void {
  const { schemas: _s, ...data } = body;
  const search = searchOf(data);
  const id = crypto.randomUUID();
  const ts = new Date().toISOString();
  const emails = (search.emails as { value?: string }[] | undefined) ?? [];
  let out: string;
  w.exec('BEGIN IMMEDIATE');
  try {
    ws.insert.run(tenant, 'User', id, q(data), q(search), 1, ts, ts, String(data.userName).toLowerCase(), typeof data.externalId === 'string' ? data.externalId : null);
    for (const e of emails) if (typeof e.value === 'string') ws.email.run(tenant, id, e.value);
    w.exec('COMMIT');
    // Roster answers from what it wrote: no read-back, and a new user is in no group.
    out = userJson({ tenant_id: tenant, type: 'User', id, data: q(data), version: 1, created: ts, last_modified: ts }, []);
  } catch (e) {
    if (w.inTransaction) w.exec('ROLLBACK');
    if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return send(res, 409, '{"status":"409","scimType":"uniqueness"}');
    throw e;
  }
  send(res, 201, out, { location: `${base}/Users/${id}` });
}

function patchGroup(id: string, body: { Operations?: { value?: { value: string }[] }[] }, withBody: boolean, res: ServerResponse): void {
  const values = (body.Operations ?? []).flatMap((o) => o.value ?? []).map((v) => v.value);
  let out: Row | undefined;
  w.exec('BEGIN IMMEDIATE');
  try {
    const cur = ws.byId.get(tenant, id, 'Group') as Row | undefined;
    if (cur !== undefined) {
      // One primary-key lookup per id (as Roster's existingIds for a single member).
      const kinds = new Map<string, string>();
      for (const v of values) {
        const k = ws.existing.get(tenant, v) as { id: string; type: string } | undefined;
        if (k !== undefined) kinds.set(k.id, k.type);
      }
      let changed = 0;
      for (const v of values) if (kinds.has(v)) changed += ws.addMember.run(tenant, id, v, kinds.get(v), null).changes;
      out = cur;
      if (changed > 0) {
        const data = JSON.parse(cur.data) as Record<string, unknown>;
        const ts = new Date().toISOString();
        ws.update.run(cur.data, q(searchOf(data)), cur.version + 1, ts, String(data.displayName).toLowerCase(), null, tenant, 'Group', id, cur.version);
        ws.clearEmails.run(tenant, id);
        out = { ...cur, version: cur.version + 1, last_modified: ts };
      }
    }
    w.exec('COMMIT');
  } finally {
    if (w.inTransaction) w.exec('ROLLBACK');
  }
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
