/**
 * The PostgreSQL stage of `npm run bench` (docs/benchmark.md "PostgreSQL"): users, spare
 * users, 100-member groups and one group of every user, seeded through Roster's
 * PostgreSQL store, then W1–W5 of the SQLite stage on one Roster process against the bare
 * `node:http` + `pg` ceiling (`bench/ceiling-pg.ts`) on the same database, and W1, W2 and
 * W4-small on two Roster processes sharing the database (the load split evenly between
 * them) to show how throughput goes from one process to two.
 * PostgreSQL is `DATABASE_URL` when set, else an embedded one started for the stage.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { startTestPostgres } from '../src/store/postgres/embedded.test-support.ts';
import { runLoad } from './load.ts';
import type { LoadResult } from './load.ts';
import { clean } from './report.ts';
import type { Check, WorkloadResult } from './report.ts';
import { seedPgBulk } from './pg-bulk.ts';
import { PATCH_URN } from './seed.ts';
import type { Seeded } from './seed.ts';
import { freePort, startRosterPg, startServer } from './servers.ts';
import type { ServerProc } from './servers.ts';
import { addToSmallGroups, createUsers, cursorForPage, filterByUserName, fixedGet } from './workloads.ts';
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
  /** Which workloads to run (run.ts's BENCH_ONLY); all when absent. */
  readonly wants?: (id: string) => boolean;
}

type Memory = { rss: number; peak: number };

/** What the stage measured (`postgres` in bench/results/latest.json). */
export interface PgStageResult {
  readonly users: number;
  readonly seedSeconds: number;
  /** Roster (one process) against the ceiling. */
  readonly workloads: WorkloadResult[];
  /** The same workloads on two Roster processes at once: the sum, and ÷ one process. */
  readonly twoProcesses: Array<{ id: string; one: number; two: number; scale: number; clean: boolean }>;
  readonly embedded: boolean;
  /** Users in no group, the new members PG-W4-big adds to the large group. */
  readonly spareUsers: number;
  /** The page of `count=100` PG-W3-deep reads (walking `nextCursor`). */
  readonly deepPage: number;
  /** RSS of Roster (process a) and the ceiling: after the reads (PG-W5), and at the end. */
  readonly memory: { afterReads?: { roster: Memory; ceiling: Memory }; end: { roster: Memory; ceiling: Memory } };
  /** The stage's checks (two processes ÷ one, PG-W3 and PG-W4 comparisons, PG-W5); ratios are checked from `workloads`. */
  readonly checks: Check[];
}

const MB = 1024 * 1024;
const PAGE = 100;

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

async function load(s: PgStageSpec, srv: ServerProc, token: string, gen: Generator, connections = s.connections): Promise<LoadResult> {
  const r = await runLoad({ origin: srv.origin, token, connections, warmupSeconds: s.warmupSeconds, seconds: s.seconds, next: gen(srv) });
  // Requests still queued in the server when the run stopped must not spill into the next run.
  await fetch(`${srv.origin}/healthz`, { signal: AbortSignal.timeout(120_000) }).catch(() => undefined);
  return r;
}

/**
 * PG-W4-big's requests: each adds a spare user (in no group) to the large group. Roster and
 * the ceiling share the database, so they share one position: every request inserts a row.
 */
function addSparesToBigGroup(seeded: Seeded, next: { i: number }): Generator {
  return (s) => () => {
    const id = seeded.spareIds[next.i++ % seeded.spareIds.length] as string;
    return {
      method: 'PATCH',
      path: `${s.basePath}/Groups/${seeded.bigGroupId as string}`,
      body: JSON.stringify({ schemas: [PATCH_URN], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] }),
    };
  };
}

const slower = (name: string, base: WorkloadResult | undefined, w: WorkloadResult | undefined): Check[] => {
  if (base === undefined || w === undefined) return [];
  const slow = w.roster.rps === 0 ? Number.POSITIVE_INFINITY : base.roster.rps / w.roster.rps;
  return [{ name, value: `${slow.toFixed(2)}× slower`, target: '≤ 1.20×', pass: slow <= 1.2 }];
};

/** Runs the stage; prints as it goes. */
export async function pgStage(s: PgStageSpec): Promise<PgStageResult> {
  const wants = s.wants ?? (() => true);
  const pgsrv = await startTestPostgres();
  try {
    const url = await pgsrv.freshDatabaseUrl();
    // As run.ts's stage 2: spare users for the large group's new members (~half the population).
    const spareUsers = Math.max(2000, Math.floor(s.users / 2));
    const deepPage = Math.min(500, Math.max(2, Math.floor(s.users / PAGE / 2)));
    console.log(`\nPostgreSQL (${pgsrv.embedded ? 'embedded, fsync off: the figures are CPU-bound, not disk-bound' : 'DATABASE_URL'}): ${s.users} users (+${spareUsers} spare)`);
    const started = performance.now();
    // Users in batches with the store's own row derivation (bench/pg-bulk.ts), groups through the store.
    const seeded = await seedPgBulk({
      file: url, users: s.users, spareUsers, smallGroups: Math.max(10, Math.floor(s.users / 100)), smallGroupSize: 100, bigGroupSize: s.users, synchronous: 'FULL',
    });
    const seedSeconds = (performance.now() - started) / 1000;
    // Planner statistics for the freshly loaded tables, as autovacuum would gather them in service.
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('ANALYZE').finally(() => c.end());
    console.log(`  seeded ${s.users + spareUsers} users, ${seeded.smallGroupIds.length} groups of 100 and one group of ${s.users} through the PostgreSQL store in ${seedSeconds.toFixed(1)}s`);
    const workloads: WorkloadResult[] = [];
    const twoProcesses: PgStageResult['twoProcesses'] = [];
    const token = seeded.apiKey;
    const a = await startRosterPgFor(url, s, seeded, 'roster-pg-a');
    const b = await startRosterPgFor(url, s, seeded, 'roster-pg-b');
    const ceiling = await startCeilingPg(url, s, seeded);
    try {
      /**
       * Roster (a) then the ceiling; with `two`, then a and b at once, the connections split
       * between them. Both servers write to one database, so write workloads give each
       * server (and each of the two processes) its own request sequence.
       */
      const measure = async (
        id: string, title: string, gens: { roster: Generator; ceiling: Generator; two?: [Generator, Generator] }, minRatio?: number, notes: string[] = [],
      ): Promise<WorkloadResult> => {
        process.stdout.write(`  ${id} ${title} …`);
        const roster = await load(s, a, token, gens.roster);
        const ceil = await load(s, ceiling, token, gens.ceiling);
        const ratio = ceil.rps === 0 ? 0 : roster.rps / ceil.rps;
        const w: WorkloadResult = { id, title, users: s.users, roster, ceiling: ceil, ratio, ...(minRatio !== undefined ? { minRatio } : {}), notes: ['PostgreSQL', ...notes] };
        workloads.push(w);
        let line = ` roster ${roster.rps.toFixed(0)} req/s, ceiling ${ceil.rps.toFixed(0)} req/s (×${ratio.toFixed(2)})`;
        let ok = clean(roster) && clean(ceil);
        if (gens.two !== undefined) {
          const half = Math.max(1, Math.floor(s.connections / 2));
          const [ra, rb] = await Promise.all([load(s, a, token, gens.two[0], half), load(s, b, token, gens.two[1], s.connections - half)]);
          const two = ra.rps + rb.rps;
          twoProcesses.push({ id, one: roster.rps, two, scale: roster.rps === 0 ? 0 : two / roster.rps, clean: clean(ra) && clean(rb) });
          line += `; two processes ${two.toFixed(0)} req/s (×${(two / (roster.rps || 1)).toFixed(2)} of one)`;
          ok = ok && clean(ra) && clean(rb);
        }
        console.log(`${line}${ok ? '' : ' WITH ERRORS'}`);
        return w;
      };
      const same = (g: Generator, two = false) => ({ roster: g, ceiling: g, ...(two ? { two: [g, g] as [Generator, Generator] } : {}) });

      if (wants('PG-W2')) await measure('PG-W2', `filter userName eq (${s.users} users)`, same(filterByUserName(seeded, 2), true), 0.6);
      let index: WorkloadResult | undefined;
      let first: WorkloadResult | undefined;
      let deep: WorkloadResult | undefined;
      if (wants('PG-W3')) {
        index = await measure('PG-W3-index', `startIndex=1&count=${PAGE}`, same(fixedGet(() => `startIndex=1&count=${PAGE}`)), 0.5);
        first = await measure('PG-W3-cursor1', `cursor first page, count=${PAGE}`, same(fixedGet(() => `count=${PAGE}&cursor=`)), 0.5);
        const rc = await cursorForPage(a, token, PAGE, deepPage);
        const cc = await cursorForPage(ceiling, token, PAGE, deepPage);
        deep = await measure('PG-W3-deep', `cursor page ${deepPage}, count=${PAGE}`, same(fixedGet((srv) => `count=${PAGE}&cursor=${encodeURIComponent(srv.name === ceiling.name ? cc : rc)}`)), 0.5);
      }
      const afterReads = wants('PG-W2') || wants('PG-W3') || wants('PG-W5') ? { roster: a.memory(), ceiling: ceiling.memory() } : undefined;
      let small: WorkloadResult | undefined;
      let big: WorkloadResult | undefined;
      if (wants('PG-W4')) {
        // Shared data: each sequence its own seed, or the second server would re-add the first one's members (no write).
        small = await measure('PG-W4-small', 'PATCH add member, 100-member groups', {
          roster: addToSmallGroups(seeded, 4), ceiling: addToSmallGroups(seeded, 5), two: [addToSmallGroups(seeded, 6), addToSmallGroups(seeded, 7)],
        }, 0.5);
        const next = { i: 0 };
        const bigGen = addSparesToBigGroup(seeded, next);
        big = await measure('PG-W4-big', `PATCH add member, ${s.users}-member group`, { roster: bigGen, ceiling: bigGen }, 0.5, ['as Entra/Okta send it: 204 + ETag, the member list is neither read nor returned']);
        if (next.i > spareUsers) big.notes.push(`the spare users ran out: ${next.i - spareUsers} of ${next.i} requests re-added a member (no write)`);
      }
      if (wants('PG-W1')) {
        // Names of one length on every server, unique in the shared database (createUsers adds the side letter).
        const tag = Date.now().toString(36);
        await measure('PG-W1', `POST /Users (${s.users + spareUsers} users loaded)`, {
          roster: createUsers(`${tag}1`), ceiling: createUsers(`${tag}1`), two: [createUsers(`${tag}a`), createUsers(`${tag}b`)],
        }, 0.5);
      }
      const end = { roster: a.memory(), ceiling: ceiling.memory() };
      const checks: Check[] = twoProcesses.map((t) => ({ name: `${t.id} two processes ÷ one (report)`, value: `${t.scale.toFixed(2)}×`, target: 'report', pass: t.clean }));
      checks.push(
        ...slower(`PG-W3 deep cursor page ${deepPage} vs startIndex=1 (req/s ratio)`, index, deep),
        ...slower(`PG-W3 deep cursor page ${deepPage} vs first cursor page (req/s ratio)`, first, deep),
        ...slower(`PG-W4 ${s.users}-member group vs 100-member groups (req/s ratio)`, small, big),
      );
      if (afterReads !== undefined) {
        const rss = afterReads.roster.rss;
        console.log(`  PG-W5 Roster RSS after the reads ${(rss / MB).toFixed(1)} MB (ceiling ${(afterReads.ceiling.rss / MB).toFixed(1)} MB); Roster peak over the stage ${(end.roster.peak / MB).toFixed(1)} MB`);
        checks.push({ name: `PG-W5 Roster RSS, ${s.users + spareUsers} users on PostgreSQL (after PG-W2/W3)`, value: `${(rss / MB).toFixed(1)} MB`, target: '≤ 150 MB', pass: rss > 0 && rss <= 150 * MB });
      }
      return { users: s.users, seedSeconds, workloads, twoProcesses, embedded: pgsrv.embedded, spareUsers, deepPage, memory: { ...(afterReads !== undefined ? { afterReads } : {}), end }, checks };
    } finally {
      await Promise.all([a.stop(), b.stop(), ceiling.stop()]);
    }
  } finally {
    await pgsrv.close();
  }
}
