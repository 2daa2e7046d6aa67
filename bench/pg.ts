/**
 * The PostgreSQL stage of `npm run bench` (docs/benchmark.md "PostgreSQL"): the same
 * data seeded through Roster's PostgreSQL store, then W2 (`userName eq`) and W4-small
 * (PATCH add member) on one Roster process against the bare `node:http` + `pg` ceiling
 * (`bench/ceiling-pg.ts`), and on two Roster processes sharing the database (the load
 * split evenly between them) to show how throughput goes from one process to two.
 * PostgreSQL is `DATABASE_URL` when set, else an embedded one started for the stage.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { defaultRegistry } from '../src/scim/schema/registry.ts';
import { openPgStore } from '../src/store/postgres/pg-store.ts';
import { startTestPostgres } from '../src/store/postgres/embedded.test-support.ts';
import { runLoad } from './load.ts';
import type { LoadResult } from './load.ts';
import { clean } from './report.ts';
import type { WorkloadResult } from './report.ts';
import { seed } from './seed.ts';
import type { Seeded } from './seed.ts';
import { freePort, startRosterPg, startServer } from './servers.ts';
import type { ServerProc } from './servers.ts';
import { addToSmallGroups, filterByUserName } from './workloads.ts';
import type { Generator } from './workloads.ts';

/** How the stage runs (from run.ts's settings). */
export interface PgStageSpec {
  readonly dir: string;
  readonly users: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly logLevel: string;
  /** Roster's flags that turn the per-tenant limits off (as the SQLite stages). */
  readonly unlimited: readonly string[];
}

/** What the stage measured. */
export interface PgStageResult {
  readonly users: number;
  readonly seedSeconds: number;
  /** Roster (one process) against the ceiling. */
  readonly workloads: WorkloadResult[];
  /** The same workloads on two Roster processes at once: the sum, and ÷ one process. */
  readonly twoProcesses: Array<{ id: string; one: number; two: number; scale: number; clean: boolean }>;
  readonly embedded: boolean;
}

const startRosterPgFor = (url: string, s: PgStageSpec, seeded: Seeded, name: string): Promise<ServerProc> =>
  startRosterPg({ url, tenantId: seeded.tenantId, logDir: s.dir, logLevel: s.logLevel, name, args: s.unlimited });

async function startCeilingPg(url: string, s: PgStageSpec, seeded: Seeded): Promise<ServerProc> {
  const port = await freePort();
  return startServer({
    name: 'ceiling-pg', tenantId: seeded.tenantId, logDir: s.dir, port,
    args: ['--import', 'tsx', join(process.cwd(), 'bench/ceiling-pg.ts'), url, String(port)],
    env: { BENCH_TENANT: seeded.tenantId },
  });
}

const load = (s: PgStageSpec, srv: ServerProc, token: string, gen: Generator, connections = s.connections): Promise<LoadResult> =>
  runLoad({ origin: srv.origin, token, connections, warmupSeconds: s.warmupSeconds, seconds: s.seconds, next: gen(srv) });

/** Runs the stage; prints as it goes. */
export async function pgStage(s: PgStageSpec): Promise<PgStageResult> {
  const pgsrv = await startTestPostgres();
  try {
    const url = await pgsrv.freshDatabaseUrl();
    console.log(`\nPostgreSQL (${pgsrv.embedded ? 'embedded, fsync off: the figures are CPU-bound, not disk-bound' : 'DATABASE_URL'}): ${s.users} users`);
    const started = performance.now();
    const seeded = await seed({
      file: url, users: s.users, spareUsers: 0, smallGroups: Math.max(10, Math.floor(s.users / 100)), smallGroupSize: 100, bigGroupSize: 0, synchronous: 'FULL',
      open: () => openPgStore({ url, registry: defaultRegistry }),
    });
    const seedSeconds = (performance.now() - started) / 1000;
    // Planner statistics for the freshly loaded tables, as autovacuum would gather them in service.
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('ANALYZE').finally(() => c.end());
    console.log(`  seeded through the PostgreSQL store in ${seedSeconds.toFixed(1)}s`);
    const workloads: WorkloadResult[] = [];
    const twoProcesses: PgStageResult['twoProcesses'] = [];
    const kinds: Array<{ id: string; title: string; gen: Generator; minRatio: number }> = [
      { id: 'PG-W2', title: `filter userName eq (${s.users} users)`, gen: filterByUserName(seeded, 2), minRatio: 0.6 },
      { id: 'PG-W4-small', title: 'PATCH add member, 100-member groups', gen: addToSmallGroups(seeded, 4), minRatio: 0.5 },
    ];
    const a = await startRosterPgFor(url, s, seeded, 'roster-pg-a');
    const b = await startRosterPgFor(url, s, seeded, 'roster-pg-b');
    const ceiling = await startCeilingPg(url, s, seeded);
    try {
      for (const k of kinds) {
        process.stdout.write(`  ${k.id} ${k.title} …`);
        const roster = await load(s, a, seeded.apiKey, k.gen);
        const ceil = await load(s, ceiling, seeded.apiKey, k.gen);
        const ratio = ceil.rps === 0 ? 0 : roster.rps / ceil.rps;
        workloads.push({ id: k.id, title: k.title, users: s.users, roster, ceiling: ceil, ratio, minRatio: k.minRatio, notes: ['PostgreSQL'] });
        // Two processes: the same connections split between them, run at the same time.
        const half = Math.max(1, Math.floor(s.connections / 2));
        const [ra, rb] = await Promise.all([load(s, a, seeded.apiKey, k.gen, half), load(s, b, seeded.apiKey, k.gen, s.connections - half)]);
        const two = ra.rps + rb.rps;
        twoProcesses.push({ id: k.id, one: roster.rps, two, scale: roster.rps === 0 ? 0 : two / roster.rps, clean: clean(ra) && clean(rb) });
        console.log(` roster ${roster.rps.toFixed(0)} req/s, ceiling ${ceil.rps.toFixed(0)} req/s (×${ratio.toFixed(2)}); two processes ${two.toFixed(0)} req/s (×${(two / (roster.rps || 1)).toFixed(2)} of one)${clean(roster) && clean(ceil) && clean(ra) && clean(rb) ? '' : ' WITH ERRORS'}`);
      }
    } finally {
      await Promise.all([a.stop(), b.stop(), ceiling.stop()]);
    }
    return { users: s.users, seedSeconds, workloads, twoProcesses, embedded: pgsrv.embedded };
  } finally {
    await pgsrv.close();
  }
}
