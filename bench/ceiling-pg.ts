/**
 * The bare PostgreSQL ceiling (docs/benchmark.md "PostgreSQL"): a plain `node:http`
 * server with a `pg` pool of the same size as Roster's (`--pg-pool-max`, 10) on the
 * SAME database (Roster's schema and data), doing per request the database work that
 * answers it and nothing else: the key lookup (api_keys ⋈ tenants) with a bare digest
 * check, then
 *  - W2 `GET /Users?filter=userName eq "…"`: the indexed `name_fold` lookup;
 *  - W4 `PATCH /Groups/{id}` adding one member: in one transaction, the member row
 *    (`ON CONFLICT DO NOTHING`), the group's version and lastModified, and one audit row
 *    and one outbox row bumped from `event_counters`, as Roster writes them (docs/audit.md).
 * No SCIM parsing beyond a regex, no validation, JSON spliced from the stored `jsonb`.
 *
 *   node --import tsx bench/ceiling-pg.ts <database-url> <port>   (env BENCH_TENANT)
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';

const [url, portArg] = process.argv.slice(2);
const tenant = process.env.BENCH_TENANT ?? '';
if (url === undefined || tenant === '') {
  console.error('usage: BENCH_TENANT=… node --import tsx bench/ceiling-pg.ts <database-url> <port>');
  process.exit(2);
}
const pool = new pg.Pool({ connectionString: url, max: 10 });
/** Whether the schema has the all-tenants feed counter (migration 11): then each event bumps it, as Roster does. */
const hasFeed = (await pool.query("SELECT to_regclass('event_feed') IS NOT NULL AS x")).rows[0]?.x === true;

async function authorised(header: string | undefined): Promise<boolean> {
  if (header === undefined || !header.startsWith('Bearer roster_')) return false;
  const [, id, rest] = header.slice(7).split('_');
  if (id === undefined || rest === undefined || rest.length <= 6) return false;
  const { rows } = await pool.query<{ digest: string; tenant_id: string; expires_at: string | null }>({
    name: 'key',
    text: 'SELECT k.digest, k.tenant_id, k.expires_at, t.name FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.id = $1',
    values: [id],
  });
  const row = rows[0];
  if (row === undefined || row.tenant_id !== tenant || row.expires_at !== null) return false;
  const actual = createHash('sha256').update(rest.slice(0, -6), 'utf8').digest();
  const expected = Buffer.from(row.digest, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

async function filterUsers(userName: string): Promise<string> {
  const { rows } = await pool.query<{ id: string; data: unknown; version: number }>({
    name: 'byname',
    text: "SELECT id, data, version FROM resources WHERE tenant_id = $1 AND type = 'User' AND name_fold = $2",
    values: [tenant, userName.toLowerCase()],
  });
  const items = rows.map((r) => JSON.stringify({ ...(r.data as object), id: r.id, meta: { resourceType: 'User', version: `W/"${r.version}"` } }));
  return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":${rows.length},"itemsPerPage":${rows.length},"startIndex":1,"Resources":[${items.join(',')}]}`;
}

async function addMember(groupId: string, memberId: string): Promise<number> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const at = new Date().toISOString();
    await c.query({ name: 'lock', text: "SELECT version FROM resources WHERE tenant_id = $1 AND type = 'Group' AND id = $2 FOR UPDATE", values: [tenant, groupId] });
    const ins = await c.query({
      name: 'member',
      text: "INSERT INTO members (tenant_id, group_id, member_id, member_type) VALUES ($1, $2, $3, 'User') ON CONFLICT DO NOTHING",
      values: [tenant, groupId, memberId],
    });
    if (ins.rowCount === 1) {
      await c.query({ name: 'bump', text: "UPDATE resources SET version = version + 1, last_modified = $3 WHERE tenant_id = $1 AND type = 'Group' AND id = $2", values: [tenant, groupId, at] });
      const seq = await c.query<{ a: number; o: number }>({
        name: 'seq',
        text: 'INSERT INTO event_counters (tenant_id, audit_seq, outbox_seq) VALUES ($1, 1, 1) ON CONFLICT (tenant_id) DO UPDATE SET audit_seq = event_counters.audit_seq + 1, outbox_seq = event_counters.outbox_seq + 1 RETURNING audit_seq AS a, outbox_seq AS o',
        values: [tenant],
      });
      const { a, o } = seq.rows[0]!;
      const change = JSON.stringify({ members: { added: [memberId] } });
      await c.query({
        name: 'audit',
        text: `INSERT INTO audit_events (tenant_id, seq, id, occurred_at, actor_kind, actor_id, request_id, idp, method, path, resource_type, resource_id, operation, change, outcome, status, normalisations)
               VALUES ($1, $2, $3, $4, 'key', 'k', $5, 'generic', 'PATCH', '/Groups', 'Group', $6, 'update', $7, 'success', 204, '[]')`,
        values: [tenant, a, randomUUID(), at, randomUUID(), groupId, change],
      });
      if (hasFeed) {
        const g = (await c.query<{ gseq: string }>({ name: 'feed', text: 'UPDATE event_feed SET gseq = gseq + 1 WHERE id = 1 RETURNING gseq' })).rows[0]!.gseq;
        await c.query({
          name: 'outbox',
          text: "INSERT INTO outbox_events (tenant_id, seq, id, type, occurred_at, payload, gseq) VALUES ($1, $2, $3, 'role.member_added', $4, $5, $6)",
          values: [tenant, o, randomUUID(), at, change, g],
        });
      } else {
        await c.query({
          name: 'outbox',
          text: "INSERT INTO outbox_events (tenant_id, seq, id, type, occurred_at, payload) VALUES ($1, $2, $3, 'role.member_added', $4, $5)",
          values: [tenant, o, randomUUID(), at, change],
        });
      }
    }
    await c.query('COMMIT');
    return 204;
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
}

const send = (res: ServerResponse, status: number, body: string): void => {
  res.writeHead(status, { 'content-type': 'application/scim+json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
};

async function handle(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
  if (!(await authorised(req.headers.authorization))) return send(res, 401, '{"status":"401"}');
  const reqUrl = req.url ?? '/';
  const qi = reqUrl.indexOf('?');
  const path = qi < 0 ? reqUrl : reqUrl.slice(0, qi);
  const prefix = `/scim/v2/${tenant}/`;
  if (!path.startsWith(prefix)) return send(res, 404, '{"status":"404"}');
  const [type, id] = path.slice(prefix.length).split('/');
  if (type === 'Users' && id === undefined && req.method === 'GET') {
    const f = new URLSearchParams(qi < 0 ? '' : reqUrl.slice(qi + 1)).get('filter') ?? '';
    const m = /^userName eq "(.*)"$/.exec(f);
    if (m !== null) return send(res, 200, await filterUsers(m[1]!));
  }
  if (type === 'Groups' && id !== undefined && req.method === 'PATCH') {
    const m = /"value"\s*:\s*"([^"]+)"/.exec(raw);
    if (m !== null) {
      const status = await addMember(id, m[1]!);
      res.writeHead(status);
      res.end();
      return;
    }
  }
  send(res, 404, '{"status":"404"}');
}

const server = createServer({ noDelay: true, keepAliveTimeout: 5000 }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((e: unknown) => send(res, 500, JSON.stringify({ status: '500', detail: String(e) })));
  });
});
server.listen(Number(portArg ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ msg: 'ceiling-pg listening', port: (server.address() as AddressInfo).port }));
});
process.once('SIGTERM', () => {
  server.close(() => void pool.end());
  server.closeAllConnections();
});
