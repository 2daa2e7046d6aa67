/**
 * Group commit A/B (docs/benchmark.md "Group commit"): one process runs Roster on a
 * seeded database with `--sqlite-group-commit` 1 and 16 in turn, under the same
 * 10-connection W1 or W4-big load, and prints per setting: req/s, COMMITs per request,
 * the mean COMMIT time (its fsync) and the share of wall time spent in COMMIT.
 * Alternating in one process makes the comparison hold on a machine shared with
 * other jobs, where absolute req/s swing from run to run.
 *
 *   node --import tsx bench/commit-ab.ts [W1|W4] [ms per run] [settings, e.g. 1,16,1,16]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createLogger, createRoster } from '../src/app/roster.ts';
import { loadConfig } from '../src/config.ts';
import { PATCH_URN, seed, userBody } from './seed.ts';

const [kind = 'W1', msArg = '3000', settingsArg = '1,16,1,16'] = process.argv.slice(2);
const CONNECTIONS = 10;

// Times every `exec` (BEGIN, SAVEPOINT, COMMIT …) of every connection in this process.
const proto = Database.prototype as unknown as { exec: (sql: string) => unknown };
const exec = proto.exec;
const timed = new Map<string, { n: number; ms: number }>();
proto.exec = function (this: unknown, sql: string) {
  const started = performance.now();
  try {
    return exec.call(this, sql);
  } finally {
    const e = timed.get(sql) ?? { n: 0, ms: 0 };
    e.n++;
    e.ms += performance.now() - started;
    timed.set(sql, e);
  }
};

const dir = mkdtempSync(join(tmpdir(), 'roster-commit-ab-'));
const file = join(dir, 'ab.db');
try {
  const seeded = await seed({ file, users: 5000, spareUsers: 50_000, smallGroups: 50, smallGroupSize: 100, bigGroupSize: 5000, synchronous: 'FULL' });
  let sent = 0;
  for (const groupCommit of settingsArg.split(',').map(Number)) {
    const overrides = { logLevel: 'info' as const, port: 0, host: '127.0.0.1', db: file, tenantRateLimit: 0, tenantMaxInflight: 0, tenantTimeShare: 0, sqliteGroupCommit: groupCommit };
    const roster = await createRoster(loadConfig({ env: {}, overrides }), { logger: createLogger({ level: 'info', destination: { write: () => undefined } }) });
    const { port } = await roster.listen();
    const base = `http://127.0.0.1:${port}/scim/v2/${seeded.tenantId}`;
    const one = async (): Promise<void> => {
      const n = sent++;
      const [method, path, body] = kind === 'W1'
        ? ['POST', '/Users', userBody(`ab-${n}@bench.example`, n)]
        : ['PATCH', `/Groups/${seeded.bigGroupId}`, { schemas: [PATCH_URN], Operations: [{ op: 'add', path: 'members', value: [{ value: seeded.spareIds[n % seeded.spareIds.length] }] }] }];
      const r = await fetch(base + path, { method, headers: { authorization: `Bearer ${seeded.apiKey}`, 'content-type': 'application/scim+json' }, body: JSON.stringify(body) });
      const text = await r.text();
      if (r.status >= 300) throw new Error(`${r.status} ${text}`);
    };
    const first = sent;
    timed.clear();
    const started = performance.now();
    const end = started + Number(msArg);
    await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) await one();
    }));
    const secs = (performance.now() - started) / 1000;
    const requests = sent - first;
    const commit = timed.get('COMMIT') ?? { n: 0, ms: 0 };
    console.log(
      `${kind} --sqlite-group-commit ${groupCommit}: ${(requests / secs).toFixed(0)} req/s, ${(commit.n / requests).toFixed(2)} COMMITs per request, ` +
        `COMMIT ${(commit.ms / Math.max(1, commit.n)).toFixed(2)} ms each, ${(commit.ms / secs / 10).toFixed(0)} % of wall time in COMMIT`,
    );
    await roster.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
