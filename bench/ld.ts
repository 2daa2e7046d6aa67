/**
 * The load checks LD-1…LD-4 of docs/reliability.md as a stage of `npm run bench`
 * (docs/benchmark.md "Load checks (LD-1…LD-4)"): on PostgreSQL with two `roster serve
 * --database-url` processes sharing one database (`DATABASE_URL`, else an embedded
 * PostgreSQL started for the stage), and on SQLite with one process. Roster runs with its
 * default limits throughout.
 *
 * Env: BENCH_LD_SECONDS (LD-1's duration, 600; BENCH_QUICK=1: 15), BENCH_LD_TENANTS (10),
 * BENCH_LD_RATE (requests/s per tenant, 25), BENCH_LD_USERS (the directory of LD-3/LD-4,
 * 10000; quick 1000), BENCH_LD_STORES (postgres,sqlite). LD-2's two runs last
 * min(BENCH_LD_SECONDS, 60) s each.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { defaultRegistry } from '../src/scim/schema/registry.ts';
import { openPgStore } from '../src/store/postgres/pg-store.ts';
import { startTestPostgres } from '../src/store/postgres/embedded.test-support.ts';
import type { Synchronous } from '../src/store/sqlite/connection.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { runPaging, runTestConnection } from './ld-paging.ts';
import { ldChecks, printLdStore, windowMean } from './ld-report.ts';
import type { LdStoreResult, RssFigures } from './ld-report.ts';
import { seedLd } from './ld-seed.ts';
import type { LdSeeded, LdSeedSpec } from './ld-seed.ts';
import { runTraffic } from './ld-traffic.ts';
import type { TrafficResult } from './ld-traffic.ts';
import { printChecks, writeResults } from './report.ts';
import type { Check } from './report.ts';
import { freePort, startRoster, startServer } from './servers.ts';
import type { ServerProc } from './servers.ts';

/** What run.ts passes in. */
export interface LdSpec {
  readonly dir: string;
  readonly quick: boolean;
  readonly logLevel: string;
  readonly synchronous: Synchronous;
}

/** The stage's settings (from the environment). */
export interface LdSettings {
  readonly seconds: number;
  readonly fairSeconds: number;
  readonly tenants: number;
  readonly rate: number;
  readonly directoryUsers: number;
  readonly testConnectionRequests: number;
  readonly stores: string[];
  readonly seed: LdSeedSpec;
}

/** Everything the stage measured, as merged into bench/results/latest.json under `ld`. */
export interface LdResult {
  readonly settings: LdSettings;
  readonly stores: LdStoreResult[];
  readonly checks: Check[];
}

function settings(quick: boolean): LdSettings {
  const env = process.env;
  const seconds = Number(env.BENCH_LD_SECONDS ?? (quick ? 15 : 600));
  const directoryUsers = Number(env.BENCH_LD_USERS ?? (quick ? 1000 : 10_000));
  const tenants = Math.max(2, Number(env.BENCH_LD_TENANTS ?? 10));
  return {
    seconds, fairSeconds: Math.min(seconds, 60), tenants, rate: Number(env.BENCH_LD_RATE ?? 25), directoryUsers,
    testConnectionRequests: quick ? 200 : 1000,
    stores: (env.BENCH_LD_STORES ?? 'postgres,sqlite').split(',').map((s) => s.trim()).filter((s) => s === 'postgres' || s === 'sqlite'),
    seed: {
      syncTenants: tenants, usersPerSyncTenant: quick ? 200 : 500, groupsPerSyncTenant: 10, membersPerSyncGroup: quick ? 20 : 50,
      directoryUsers, directoryGroups: 100, maxGroupMembers: Math.min(5000, Math.floor(directoryUsers / 2)),
    },
  };
}

/** LD-1 with the processes' RSS sampled every few seconds. */
async function sustained(servers: readonly ServerProc[], seeded: LdSeeded, s: LdSettings): Promise<LdStoreResult['ld1']> {
  const sampleSeconds = s.seconds >= 120 ? 5 : 1;
  const samples = new Map<string, Array<{ t: number; rss: number }>>(servers.map((p) => [p.name, []]));
  let lastSample = -Infinity;
  const sample = (t: number): void => {
    if (t - lastSample < sampleSeconds - 0.01) return;
    lastSample = t;
    for (const p of servers) samples.get(p.name)!.push({ t, rss: p.memory().rss });
  };
  process.stdout.write(`  LD-1: ${s.tenants} tenants × ${s.rate} req/s for ${s.seconds} s …`);
  const traffic = await runTraffic({
    servers, seconds: s.seconds, tag: 'ld1-', onTick: sample,
    tenants: seeded.sync.map((tenant) => ({ tenant, rate: s.rate, flooder: false })),
  });
  console.log(` ${traffic.normal.sentPerSecond.toFixed(0)} req/s sent, ${traffic.normal.errors} errors`);
  // "Flat": the last window's mean within 10 % of the second window's (the first holds the warm-up).
  const windowSeconds = Math.min(60, s.seconds / 3);
  const rss: RssFigures = {
    sampleSeconds, windowSeconds, maxChange: 0.1,
    processes: servers.map((p) => {
      const xs = samples.get(p.name)!;
      const first = windowMean(xs, 0, windowSeconds);
      const second = windowMean(xs, windowSeconds, 2 * windowSeconds);
      const last = windowMean(xs, s.seconds - windowSeconds, Infinity);
      return { name: p.name, first, second, last, peak: p.memory().peak, change: second === 0 ? 0 : (last - second) / second, samples: xs.map((x) => x.rss) };
    }),
  };
  return { ...traffic, tenants: s.tenants, rate: s.rate, rss };
}

/** LD-2: the others alone, then with tenant 0 at ten times their rate. */
async function fairness(servers: readonly ServerProc[], seeded: LdSeeded, s: LdSettings): Promise<LdStoreResult['ld2']> {
  const [flooder, ...others] = seeded.sync;
  const run = (tag: string, withFlooder: boolean): Promise<TrafficResult> =>
    runTraffic({
      servers, seconds: s.fairSeconds, tag,
      tenants: [
        ...(withFlooder ? [{ tenant: flooder!, rate: 10 * s.rate, flooder: true }] : []),
        ...others.map((tenant) => ({ tenant, rate: s.rate, flooder: false })),
      ],
    });
  process.stdout.write(`  LD-2: ${others.length} tenants × ${s.rate} req/s, ${s.fairSeconds} s without then with one at ${10 * s.rate} req/s …`);
  const baseline = await run('ld2a-', false);
  const flood = await run('ld2b-', true);
  const p99Ratio = baseline.normal.p99 === 0 ? 0 : flood.normal.p99 / baseline.normal.p99;
  console.log(` others' p99 ${baseline.normal.p99.toFixed(1)} → ${flood.normal.p99.toFixed(1)} ms; flooder ${flood.flooder?.tooMany ?? 0} × 429`);
  return { baseline, flood, p99Ratio, target: 2 };
}

/** LD-1…LD-4 against running servers. */
async function checksOn(store: string, servers: readonly ServerProc[], seeded: LdSeeded, s: LdSettings): Promise<LdStoreResult> {
  const ld1 = await sustained(servers, seeded, s);
  const ld2 = await fairness(servers, seeded, s);
  process.stdout.write('  LD-3: paging …');
  const ld3 = await runPaging(servers, seeded.directory);
  console.log(` ${ld3.pass ? 'ok' : `${ld3.problems.length} problems`}`);
  process.stdout.write('  LD-4: Test Connection …');
  const ld4 = await runTestConnection(servers, seeded.directory, s.testConnectionRequests);
  console.log(` p99 ${ld4.p99.toFixed(1)} ms, ${ld4.wrong} wrong`);
  const r = {
    store, processes: servers.length, seedSeconds: seeded.seconds,
    directoryUsers: seeded.directory.users.length, directoryGroups: seeded.directory.groups.length, directoryMembers: seeded.directoryMembers,
    ld1, ld2, ld3, ld4,
  };
  return { ...r, checks: ldChecks(r) };
}

async function onPostgres(spec: LdSpec, s: LdSettings): Promise<LdStoreResult> {
  const pgsrv = await startTestPostgres();
  try {
    const url = await pgsrv.freshDatabaseUrl();
    const label = pgsrv.embedded ? 'PostgreSQL embedded ×2' : 'PostgreSQL ×2';
    console.log(`\nLoad checks, ${label}: seeding ${s.tenants} sync tenants and a directory of ${s.directoryUsers} users through the PostgreSQL store …`);
    // Seeding is one long transaction; the statement bound is the service's, not the seed's.
    const seeded = await seedLd(() => openPgStore({ url, registry: defaultRegistry, queryTimeoutMs: 600_000 }), s.seed);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    // Planner statistics, as autovacuum would gather them in service.
    await c.query('ANALYZE').finally(() => c.end());
    const start = async (name: string): Promise<ServerProc> => {
      const port = await freePort();
      return startServer({
        name, tenantId: seeded.directory.tenantId, logDir: spec.dir, port,
        args: [join(process.cwd(), 'bin/roster'), 'serve', '--port', String(port), '--host', '127.0.0.1', '--database-url', url, '--log-level', spec.logLevel],
      });
    };
    const servers = [await start('roster-ld-pg-a'), await start('roster-ld-pg-b')];
    try {
      return await checksOn(label, servers, seeded, s);
    } finally {
      await Promise.all(servers.map((p) => p.stop()));
    }
  } finally {
    await pgsrv.close();
  }
}

async function onSqlite(spec: LdSpec, s: LdSettings): Promise<LdStoreResult> {
  const file = join(spec.dir, 'ld.db');
  console.log(`\nLoad checks, SQLite ×1: seeding ${s.tenants} sync tenants and a directory of ${s.directoryUsers} users through the SQLite store …`);
  const seeded = await seedLd(() => openSqliteStore({ file, registry: defaultRegistry, synchronous: spec.synchronous }), s.seed);
  const server = await startRoster({ db: file, tenantId: seeded.directory.tenantId, logDir: spec.dir, synchronous: spec.synchronous, logLevel: spec.logLevel, name: 'roster-ld-sqlite' });
  try {
    return await checksOn('SQLite ×1', [server], seeded, s);
  } finally {
    await server.stop();
  }
}

/** Runs the stage on each store; prints as it goes. */
export async function ldStage(spec: LdSpec): Promise<LdResult> {
  const s = settings(spec.quick);
  const stores: LdStoreResult[] = [];
  for (const store of s.stores) stores.push(store === 'postgres' ? await onPostgres(spec, s) : await onSqlite(spec, s));
  return { settings: s, stores, checks: stores.flatMap((r) => r.checks) };
}

/** Prints every store's figures. */
export function printLd(r: LdResult): void {
  for (const st of r.stores) printLdStore(st);
}

/** `BENCH_ONLY=LD`: the stage alone, merged into `results` under `ld`. */
export async function ldOnly(results: string, spec: Omit<LdSpec, 'dir'>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'roster-bench-'));
  try {
    console.log(`Roster load checks LD-1…LD-4, synchronous=${spec.synchronous}, log level ${spec.logLevel}; machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, node ${process.version}`);
    const ld = await ldStage({ ...spec, dir });
    printLd(ld);
    printChecks(ld.checks);
    const previous = existsSync(results) ? (JSON.parse(readFileSync(results, 'utf8')) as Record<string, unknown>) : {};
    writeResults(results, { ...previous, ld: { date: new Date().toISOString(), quick: spec.quick, ...ld } });
  } finally {
    if (process.env.BENCH_KEEP === '1') console.log(`Kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
