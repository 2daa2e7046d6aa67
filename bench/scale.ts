/**
 * The scale rung of `npm run bench` (docs/benchmark.md "Scale rung"), on each store:
 * 1,000,000 users with a 1,000,000-member group. W2 (`userName eq`) at that size
 * against W2 on 1,000 users (target ≤ 1.3× slower), and a member add to the
 * million-member group against one to a 100-member group in the same database
 * (target ≤ 1.2× slower; both to one group, so both queue on one group's writes);
 * the load time and Roster's RSS are reported. Roster only: the ratios to the bare
 * ceilings are the other stages' business.
 *
 * SQLite is seeded through the store (`seed.ts`); PostgreSQL through `pg-bulk.ts`
 * (the store's own row derivation, in batches), both in one database per size.
 */
import { join } from 'node:path';
import { defaultRegistry } from '../src/scim/schema/registry.ts';
import { openPgStore } from '../src/store/postgres/pg-store.ts';
import { startTestPostgres } from '../src/store/postgres/embedded.test-support.ts';
import type { TestPostgres } from '../src/store/postgres/embedded.test-support.ts';
import { runLoad } from './load.ts';
import type { LoadResult } from './load.ts';
import { seedPgBulk } from './pg-bulk.ts';
import { clean } from './report.ts';
import type { Check } from './report.ts';
import { seed } from './seed.ts';
import type { SeedSpec, Seeded } from './seed.ts';
import { startRoster, startRosterPg } from './servers.ts';
import type { ServerProc } from './servers.ts';
import { addToBigGroup, addToSmallGroups, filterByUserName } from './workloads.ts';
import type { Generator } from './workloads.ts';

export type ScaleStore = 'sqlite' | 'postgres';

/** How the rung runs (from run.ts's settings). */
export interface ScaleSpec {
  readonly dir: string;
  readonly stores: readonly ScaleStore[];
  /** Users at the top of the rung (1,000,000), all of them in the one large group. */
  readonly users: number;
  /** Users of the small database W2 is compared against (1,000). */
  readonly baseUsers: number;
  /** Users in no group: each W4-big request adds one of them. */
  readonly spareUsers: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly logLevel: string;
  readonly synchronous: 'FULL' | 'NORMAL';
  /** Roster's flags that turn the per-tenant limits off (as the other stages). */
  readonly unlimited: readonly string[];
}

interface Memory {
  readonly rss: number;
  readonly peak: number;
}

/** What the rung measured on one store. */
export interface ScaleResult {
  readonly store: ScaleStore;
  readonly users: number;
  readonly baseUsers: number;
  /** Seconds to load the large database, and what it holds (bytes on disk). */
  readonly loadSeconds: number;
  readonly loadUsersPerSecond: number;
  readonly dbBytes: number;
  readonly w2Base: LoadResult;
  readonly w2: LoadResult;
  readonly w4Small: LoadResult;
  readonly w4Big: LoadResult;
  /** Adds spread over the 100 groups of 100 (information: no queue on one row). */
  readonly w4Spread: LoadResult;
  /** W2 req/s at `baseUsers` ÷ at `users`, and W4 100-member ÷ million-member. */
  readonly w2Slowdown: number;
  readonly w4Slowdown: number;
  readonly memory: { readonly idle: Memory; readonly afterW2: Memory; readonly end: Memory };
}

const MB = 1024 * 1024;

async function load(s: ScaleSpec, srv: ServerProc, token: string, gen: Generator): Promise<LoadResult> {
  const r = await runLoad({ origin: srv.origin, token, connections: s.connections, warmupSeconds: s.warmupSeconds, seconds: s.seconds, next: gen(srv) });
  // Requests still queued in the server when the run stopped must not spill into the next run.
  await fetch(`${srv.origin}/healthz`, { signal: AbortSignal.timeout(120_000) }).catch(() => undefined);
  return r;
}

/**
 * The data must be what the workloads assume: the last user found by `userName eq`
 * (case folded) and by `emails.value eq`, the large group whole in its count. A bulk
 * load that missed a column would otherwise show up as fast empty answers.
 */
async function checkLoaded(srv: ServerProc, seeded: Seeded, members: number): Promise<void> {
  const get = async (path: string): Promise<Record<string, unknown>> => {
    const res = await fetch(`${srv.origin}${srv.basePath}${path}`, { headers: { authorization: `Bearer ${seeded.apiKey}` } });
    if (res.status !== 200) throw new Error(`${srv.name}: GET ${path} → ${res.status}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const last = seeded.userNames.at(-1) as string;
  for (const f of [`userName eq "${last.toUpperCase()}"`, `emails.value eq "${last}"`]) {
    const body = await get(`/Users?filter=${encodeURIComponent(f)}&attributes=userName`);
    if (body.totalResults !== 1) throw new Error(`${srv.name}: filter ${f} found ${String(body.totalResults)} users, expected 1`);
  }
  if (seeded.bigGroupId !== undefined) {
    const body = await get(`/Groups?filter=${encodeURIComponent('displayName eq "everyone"')}&attributes=displayName`);
    if (body.totalResults !== 1) throw new Error(`${srv.name}: the large group is missing`);
  }
  const users = await get('/Users?count=0');
  if (users.totalResults !== seeded.userIds.length + seeded.spareIds.length) throw new Error(`${srv.name}: ${String(users.totalResults)} users, expected ${seeded.userIds.length + seeded.spareIds.length} (large group ${members})`);
}

/** Seeds one database of the rung on a store; returns it and how to start Roster on it. */
async function prepare(kind: ScaleStore, s: ScaleSpec, pgsrv: TestPostgres | undefined, name: string, spec: Omit<SeedSpec, 'file' | 'synchronous'>, bulk: boolean) {
  if (kind === 'sqlite') {
    const file = join(s.dir, `scale-${name}.db`);
    const seeded = await seed({ ...spec, file, synchronous: s.synchronous });
    const start = (): Promise<ServerProc> => startRoster({ db: file, tenantId: seeded.tenantId, logDir: s.dir, synchronous: s.synchronous, logLevel: s.logLevel, name: `roster-scale-${kind}-${name}`, args: rosterArgs(s) });
    return { seeded, start };
  }
  const url = await (pgsrv as TestPostgres).freshDatabaseUrl();
  const seeded = bulk
    ? await seedPgBulk({ ...spec, file: url, synchronous: s.synchronous })
    : await seed({ ...spec, file: url, synchronous: s.synchronous, open: () => openPgStore({ url, registry: defaultRegistry }) });
  const start = (): Promise<ServerProc> => startRosterPg({ url, tenantId: seeded.tenantId, logDir: s.dir, logLevel: s.logLevel, name: `roster-scale-${kind}-${name}`, args: rosterArgs(s) });
  return { seeded, start };
}

/**
 * The rung's Roster flags: limits off, and the group-size cap (`--max-group-members`,
 * 1,000,000 by default) above the million members plus the adds the rung makes.
 */
const rosterArgs = (s: ScaleSpec): string[] => [...s.unlimited, '--max-group-members', String(Math.max(1_000_000, s.users + s.spareUsers))];

async function rung(kind: ScaleStore, s: ScaleSpec, pgsrv: TestPostgres | undefined): Promise<ScaleResult> {
  console.log(`\nScale rung on ${kind}${kind === 'postgres' && pgsrv?.embedded === true ? ' (embedded, fsync off)' : ''}: ${s.users} users in one group vs ${s.baseUsers} users`);
  const base = await prepare(kind, s, pgsrv, 'base', { users: s.baseUsers, spareUsers: 0, smallGroups: 0, smallGroupSize: 100, bigGroupSize: s.baseUsers }, false);
  let w2Base: LoadResult;
  {
    const srv = await base.start();
    try {
      w2Base = await load(s, srv, base.seeded.apiKey, filterByUserName(base.seeded, 2));
    } finally {
      await srv.stop();
    }
  }
  const big = await prepare(kind, s, pgsrv, 'top', { users: s.users, spareUsers: s.spareUsers, smallGroups: 100, smallGroupSize: 100, bigGroupSize: s.users }, true);
  const total = s.users + s.spareUsers;
  console.log(`  loaded ${total} users, 100 groups of 100 and one group of ${s.users} in ${big.seeded.seconds.toFixed(1)}s (${Math.round(total / big.seeded.seconds)} users/s), ${(big.seeded.fileBytes / MB).toFixed(0)} MB`);
  const srv = await big.start();
  try {
    const idle = srv.memory();
    await checkLoaded(srv, big.seeded, s.users);
    const w2 = await load(s, srv, big.seeded.apiKey, filterByUserName(big.seeded, 2));
    const afterW2 = srv.memory();
    // One group each: both runs queue on one group's row (PostgreSQL locks it per write;
    // SQLite has one writer anyway), so the comparison is the group's size alone.
    const one = { ...big.seeded, smallGroupIds: big.seeded.smallGroupIds.slice(0, 1) };
    const w4Small = await load(s, srv, big.seeded.apiKey, addToSmallGroups(one, 4));
    const w4Big = await load(s, srv, big.seeded.apiKey, addToBigGroup(big.seeded, new Map()));
    const w4Spread = await load(s, srv, big.seeded.apiKey, addToSmallGroups(big.seeded, 5));
    const end = srv.memory();
    const r: ScaleResult = {
      store: kind, users: s.users, baseUsers: s.baseUsers,
      loadSeconds: big.seeded.seconds, loadUsersPerSecond: total / big.seeded.seconds, dbBytes: big.seeded.fileBytes,
      w2Base, w2, w4Small, w4Big, w4Spread,
      w2Slowdown: w2.rps === 0 ? Infinity : w2Base.rps / w2.rps,
      w4Slowdown: w4Big.rps === 0 ? Infinity : w4Small.rps / w4Big.rps,
      memory: { idle, afterW2, end },
    };
    const line = (id: string, x: LoadResult): string => `    ${id.padEnd(34)} ${x.rps.toFixed(0).padStart(6)} req/s  p50 ${x.p50.toFixed(2)} ms  p99 ${x.p99.toFixed(2)} ms${clean(x) ? '' : `  WITH ERRORS ${JSON.stringify(x.statusCodes)}`}`;
    console.log(line(`W2 at ${s.baseUsers} users`, w2Base));
    console.log(line(`W2 at ${s.users} users`, w2));
    console.log(line('W4 add to one 100-member group', w4Small));
    console.log(line(`W4 add to the ${s.users}-member group`, w4Big));
    console.log(line('W4 adds over 100 groups of 100 (info)', w4Spread));
    console.log(`    RSS idle ${(idle.rss / MB).toFixed(1)} MB, after W2 ${(afterW2.rss / MB).toFixed(1)} MB, end ${(end.rss / MB).toFixed(1)} MB (peak ${(end.peak / MB).toFixed(1)} MB)`);
    return r;
  } finally {
    await srv.stop();
  }
}

/** Runs the rung on each store; prints as it goes and returns the figures and checks. */
export async function scaleStage(s: ScaleSpec): Promise<{ results: ScaleResult[]; checks: Check[] }> {
  const results: ScaleResult[] = [];
  const pgsrv = s.stores.includes('postgres') ? await startTestPostgres() : undefined;
  try {
    for (const kind of s.stores) results.push(await rung(kind, s, pgsrv));
  } finally {
    await pgsrv?.close();
  }
  const checks: Check[] = [];
  for (const r of results) {
    const ok = clean(r.w2Base) && clean(r.w2);
    checks.push({ name: `Scale ${r.store}: W2 at ${r.users} users vs at ${r.baseUsers}`, value: `${r.w2Slowdown.toFixed(2)}× slower`, target: '≤ 1.30×', pass: ok && r.w2Slowdown <= 1.3 });
    checks.push({ name: `Scale ${r.store}: add to ${r.users}-member group vs 100-member`, value: `${r.w4Slowdown.toFixed(2)}× slower`, target: '≤ 1.20×', pass: clean(r.w4Small) && clean(r.w4Big) && r.w4Slowdown <= 1.2 });
    checks.push({ name: `Scale ${r.store}: load time for ${r.users} users (report)`, value: `${r.loadSeconds.toFixed(0)} s (${Math.round(r.loadUsersPerSecond)}/s)`, target: 'report', pass: true });
    checks.push({ name: `Scale ${r.store}: Roster RSS with ${r.users} users (report)`, value: `${(r.memory.afterW2.rss / MB).toFixed(1)} MB`, target: 'report', pass: r.memory.afterW2.rss > 0 });
  }
  return { results, checks };
}
