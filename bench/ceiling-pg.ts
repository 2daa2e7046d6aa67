/**
 * The bare PostgreSQL ceiling (docs/benchmark.md "PostgreSQL"): a plain `node:http`
 * server with a `pg` pool of the same size as Roster's (`--pg-pool-max`, 10) on the
 * SAME database (Roster's schema and data), doing per request the database work Roster's
 * PostgreSQL store does for it (`bench/ceiling-pg-sql.ts`) and nothing else: the key
 * lookup (api_keys ⋈ tenants) with a bare digest check, then
 *  - `POST /Users` (PG-W1): the user's rows and its audit and outbox rows in one transaction;
 *  - `GET /Users` (PG-W2, PG-W3): `userName eq`, `startIndex`/`count` and cursor pages in
 *    one statement each, with `totalResults` and the users' `groups`;
 *  - `PATCH /Groups/{id}` adding members (PG-W4): the member rows, the group's version and
 *    the audit and outbox rows in one transaction, answered 204 + ETag (200 with the group
 *    when `attributes`/`excludedAttributes` asks for a body).
 * No SCIM parsing beyond a regex, no validation, JSON spliced from the stored text. A cursor
 * is the last id of the page (Roster's is sealed; the bench only follows it).
 *
 *   node --import tsx bench/ceiling-pg.ts <database-url> <port>   (env BENCH_TENANT)
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addMembers, createUser, KEY, listUsers, openPool, run } from './ceiling-pg-sql.ts';
import type { Actor, GroupOfUser, ListPage, Row } from './ceiling-pg-sql.ts';
import { GROUP_URN, USER_URN, metaJson } from './ceiling-shared.ts';

const [url, portArg] = process.argv.slice(2);
const tenant = process.env.BENCH_TENANT ?? '';
if (url === undefined || tenant === '') {
  console.error('usage: BENCH_TENANT=… node --import tsx bench/ceiling-pg.ts <database-url> <port>');
  process.exit(2);
}
const pool = openPool(url);

/** The same key lookup as Roster (by the key's id part) and a constant-time digest check; none of Roster's parsing or error bodies. */
async function authorised(header: string | undefined): Promise<Actor | undefined> {
  if (header === undefined || !header.startsWith('Bearer roster_')) return undefined;
  const [, id, rest] = header.slice(7).split('_');
  if (id === undefined || rest === undefined || rest.length <= 6) return undefined;
  const row = (await run<{ digest: string; tenant_id: string; expires_at: string | null }>(pool, KEY, [id])).rows[0];
  if (row === undefined || row.tenant_id !== tenant || row.expires_at !== null) return undefined;
  const actual = createHash('sha256').update(rest.slice(0, -6), 'utf8').digest();
  const expected = Buffer.from(row.digest, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected) ? { keyId: id } : undefined;
}

let base = '';
const USER = USER_URN;
const GROUP = GROUP_URN;
const q = JSON.stringify;
const meta = (type: string, row: Row): string => metaJson(base, type, row);

/** A user from its stored text; `groups` as Roster renders them (RFC 7643 §4.1.2), left out when there are none. */
function userJson(row: Row, groups: readonly GroupOfUser[]): string {
  const gs = groups.length === 0 ? '' : `"groups":[${groups.map((g) => {
    const display = (JSON.parse(g.data) as { displayName?: unknown }).displayName;
    return `{"value":"${g.group_id}","$ref":"${base}/Groups/${g.group_id}"${typeof display === 'string' ? `,"display":${q(display)}` : ''},"type":"direct"}`;
  }).join(',')}],`;
  return `{"schemas":["${USER}"],"id":"${row.id}",${row.data.slice(1, -1)},${gs}${meta('User', row)}}`;
}

/** A list response; a keyset page drops its look-ahead row and names the next cursor. */
function listJson(page: ListPage, count: number, extra: (rows: Row[]) => string): string {
  const rows = page.rows.slice(0, count);
  const items = rows.map((r) => userJson(r, page.groups.get(r.id) ?? []));
  return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":${page.total},"itemsPerPage":${items.length}${extra(rows)},"Resources":[${items.join(',')}]}`;
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/scim+json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

async function getUsers(query: URLSearchParams): Promise<string> {
  const count = Number(query.get('count') ?? 100);
  const name = /^userName eq "(.*)"$/.exec(query.get('filter') ?? '')?.[1];
  if (name !== undefined) return listJson(await listUsers(pool, tenant, { name: name.toLowerCase(), count, startIndex: 1 }), count, () => ',"startIndex":1');
  const cursor = query.get('cursor');
  if (cursor === null) {
    const startIndex = Number(query.get('startIndex') ?? 1);
    return listJson(await listUsers(pool, tenant, { count, startIndex }), count, () => `,"startIndex":${startIndex}`);
  }
  const page = await listUsers(pool, tenant, { count, startIndex: 1, after: cursor });
  const prev = (rows: Row[]): string => (cursor === '' || rows.length === 0 ? '' : `,"previousCursor":"${rows[0]?.id}"`);
  return listJson(page, count, (rows) => `${page.rows.length > count ? `,"nextCursor":"${rows[count - 1]?.id}"` : ''}${prev(rows)}`);
}

async function handle(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
  const actor = await authorised(req.headers.authorization);
  if (actor === undefined) return send(res, 401, '{"status":"401"}');
  const reqUrl = req.url ?? '/';
  const qi = reqUrl.indexOf('?');
  const path = qi < 0 ? reqUrl : reqUrl.slice(0, qi);
  const prefix = `/scim/v2/${tenant}/`;
  if (!path.startsWith(prefix)) return send(res, 404, '{"status":"404"}');
  const [type, id] = path.slice(prefix.length).split('/');
  if (type === 'Users' && id === undefined && req.method === 'GET') return send(res, 200, await getUsers(new URLSearchParams(qi < 0 ? '' : reqUrl.slice(qi + 1))));
  if (type === 'Users' && id === undefined && req.method === 'POST') {
    const { schemas: _s, ...data } = JSON.parse(raw) as Record<string, unknown>;
    const row = await createUser(pool, tenant, actor, data);
    if (row === undefined) return send(res, 409, '{"status":"409","scimType":"uniqueness"}');
    // Roster answers from what it wrote: no read-back, and a new user is in no group.
    return send(res, 201, userJson(row, []), { location: `${base}/Users/${row.id}`, etag: 'W/"1"' });
  }
  if (type === 'Groups' && id !== undefined && req.method === 'PATCH') {
    const withBody = /[?&](excludedAttributes|attributes)=/i.test(reqUrl);
    const body = JSON.parse(raw) as { Operations?: { value?: { value: string }[] }[] };
    const values = (body.Operations ?? []).flatMap((o) => o.value ?? []).map((v) => v.value);
    const out = await addMembers(pool, tenant, actor, id, values, withBody ? 200 : 204);
    if (out === undefined) return send(res, 404, '{"status":"404"}');
    const etag = `W/"${out.version}"`;
    if (!withBody) {
      res.writeHead(204, { etag });
      res.end();
      return;
    }
    // The group built from what was written, without members (no member rows read), as Roster.
    return send(res, 200, `{"schemas":["${GROUP}"],"id":"${out.id}",${out.data.slice(1, -1)},${meta('Group', out)}}`, { etag });
  }
  send(res, 404, '{"status":"404"}');
}

const server = createServer({ noDelay: true, keepAliveTimeout: 5000 }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((e: unknown) => send(res, 500, q({ status: '500', detail: String(e) })));
  });
});
server.listen(Number(portArg ?? 0), '127.0.0.1', () => {
  const port = (server.address() as AddressInfo).port;
  base = `http://localhost:${port}/scim/v2/${tenant}`;
  console.log(q({ msg: 'ceiling-pg listening', port }));
});
process.once('SIGTERM', () => {
  server.close(() => void pool.end());
  server.closeAllConnections();
});
