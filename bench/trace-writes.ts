/**
 * Statements and WAL frames (pages written) per request of W1 (POST /Users) and W4
 * (PATCH /Groups add member), through a real Roster on a small seeded database:
 *   node --import tsx bench/trace-writes.ts [users]
 * Prints, per request kind, the statements the store ran (its `trace` hook) and the
 * frames each commit appended to the WAL (docs/benchmark.md "Pages per write"); with
 * TRACE_PAGES=1 also the table or index each page of one commit belongs to (dbstat).
 * Requests are sent one at a time, so each commits alone (no group commit).
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createLogger, createRoster } from '../src/app/roster.ts';
import { loadConfig } from '../src/config.ts';
import { defaultRegistry } from '../src/scim/schema/registry.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { PATCH_URN, seed, userBody } from './seed.ts';

const users = Number(process.argv[2] ?? 2000);
const dir = mkdtempSync(join(tmpdir(), 'roster-trace-'));
const file = join(dir, 'trace.db');
try {
  const seeded = await seed({ file, users, spareUsers: 200, smallGroups: 10, smallGroupSize: 100, bigGroupSize: users, synchronous: 'FULL' });
  let log: string[] = [];
  const store = await openSqliteStore({ file, registry: defaultRegistry, synchronous: 'FULL', trace: (sql) => void log.push(sql.replace(/\s+/g, ' ').slice(0, 160)) });
  const config = loadConfig({ env: {}, overrides: { logLevel: 'silent', port: 0, host: '127.0.0.1', db: file, tenantRateLimit: 0, tenantMaxInflight: 0 } });
  const roster = await createRoster(config, { store, logger: createLogger({ level: 'silent' }) });
  const { port } = await roster.listen();
  const base = `http://127.0.0.1:${port}/scim/v2/${seeded.tenantId}`;
  const side = new Database(file);
  const page = (side.pragma('page_size', { simple: true }) as number) + 24;
  const wal = (): number => { try { return statSync(`${file}-wal`).size; } catch { return 0; } };
  const truncate = (): void => void side.pragma('wal_checkpoint(TRUNCATE)');
  const call = async (method: string, path: string, body: unknown): Promise<number> => {
    const r = await fetch(base + path, { method, headers: { authorization: `Bearer ${seeded.apiKey}`, 'content-type': 'application/scim+json' }, body: JSON.stringify(body) });
    await r.text();
    return r.status;
  };
  const kinds: [string, (i: number) => [string, string, unknown]][] = [
    ['W1 POST /Users', (i) => ['POST', '/Users', userBody(`trace-${i}@bench.example`, i)]],
    // Spare users are in no group: every member add inserts a row.
    ['W4 PATCH small group', (i) => ['PATCH', `/Groups/${seeded.smallGroupIds[i % 10]}`, { schemas: [PATCH_URN], Operations: [{ op: 'add', path: 'members', value: [{ value: seeded.spareIds[50 + i] }] }] }]],
    ['W4 PATCH big group', (i) => ['PATCH', `/Groups/${seeded.bigGroupId}`, { schemas: [PATCH_URN], Operations: [{ op: 'add', path: 'members', value: [{ value: seeded.spareIds[100 + i] }] }] }]],
  ];
  for (const [name, req] of kinds) {
    for (let i = 30; i < 33; i++) await call(...req(i)); // warm
    const n = 20;
    let frames = 0;
    let statements = 0;
    for (let i = 0; i < n; i++) {
      truncate();
      log = [];
      const before = wal();
      const status = await call(...req(i));
      const after = wal();
      frames += Math.max(0, after - before - (before === 0 ? 32 : 0)) / page;
      if (i === 1 && process.env.TRACE_PAGES === '1') {
        const buf = readFileSync(`${file}-wal`);
        const owners = new Map<number, string>();
        for (const r of side.prepare('SELECT name, pageno FROM dbstat').all() as { name: string; pageno: number }[]) owners.set(r.pageno, r.name);
        const seen: string[] = [];
        for (let off = 32; off + page <= buf.length; off += page) seen.push(`${owners.get(buf.readUInt32BE(off)) ?? '?'}#${buf.readUInt32BE(off)}`);
        console.log(`  pages: ${seen.join(' ')}`);
      }
      statements += log.length;
      if (i === 0) console.log(`${name} → ${status}\n  ${log.join('\n  ')}`);
    }
    console.log(`${name}: ${(statements / n).toFixed(1)} statements, ${(frames / n).toFixed(1)} WAL frames per request\n`);
  }
  side.close();
  await roster.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
