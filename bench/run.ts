/**
 * `npm run bench`: loopback load against Roster and, in the same run, against a
 * bare `node:http` + SQLite ceiling on identical data (see docs/benchmark.md).
 *
 * Env: BENCH_USERS (100000), BENCH_DURATION (s, 5), BENCH_QUICK=1 (1,000 users, 1 s),
 * BENCH_CONNECTIONS (10), BENCH_SYNCHRONOUS (FULL), BENCH_LOG_LEVEL (info),
 * BENCH_ONLY (comma list of workload ids, e.g. W4b), BENCH_PROFILE=1 (cpu profile
 * of the Roster process, summarised at the end), BENCH_KEEP=1 (keep the temp dir),
 * BENCH_FAIR_RATE (tenant B's req/s in the fairness workload, 50), BENCH_FAIR_ATTACK
 * (tenant A's request kinds: filter,patch,search,bulk).
 * BENCH_PG_USERS (users of the PostgreSQL stage, min(BENCH_USERS, 20000); BENCH_ONLY=PG runs it
 * alone with the other ids, PG-W1…PG-W5 some of its workloads; DATABASE_URL: that server instead of an embedded one).
 * `npm run bench -- fairness` (or BENCH_ONLY=FAIR) runs the fairness workload alone
 * and merges its figures into bench/results/latest.json.
 * `npm run bench -- scale` (or BENCH_ONLY=SCALE) runs the scale rung alone, merged the same
 * way: BENCH_SCALE_USERS (1000000; 20000 with BENCH_QUICK), BENCH_SCALE_STORES (sqlite,postgres).
 * BENCH_ONLY=LD runs the load checks LD-1…LD-4 alone (bench/ld.ts; BENCH_LD_* there) and merges them under `ld`.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ATTACK_KINDS, printFairness, runFairness, seedAttacker } from './fairness.ts';
import type { AttackKind, FairnessResult } from './fairness.ts';
import { runLoad } from './load.ts';
import { ldOnly, ldStage, printLd } from './ld.ts';
import { printProfile, summariseProfile } from './profile.ts';
import type { ProfileSummary } from './profile.ts';
import { clean, printChecks, printWorkloads, workloadPass, writeResults } from './report.ts';
import type { Check, WorkloadResult } from './report.ts';
import { bulkRate, postRate } from './scim-load.ts';
import type { LoadRate } from './scim-load.ts';
import { pgStage } from './pg.ts';
import type { PgStageResult } from './pg.ts';
import { scaleStage } from './scale.ts';
import type { ScaleStore } from './scale.ts';
import { seed } from './seed.ts';
import { printWebhooks, runWebhooks } from './webhooks.ts';
import type { WebhooksResult } from './webhooks.ts';
import type { Seeded } from './seed.ts';
import { startCeiling, startRoster } from './servers.ts';
import type { ServerProc } from './servers.ts';
import { addToBigGroup, addToSmallGroups, createUsers, cursorForPage, filterByUserName, fixedGet } from './workloads.ts';
import type { Generator } from './workloads.ts';

const env = process.env;
const QUICK = env.BENCH_QUICK === '1';
const USERS = QUICK ? 1000 : Number(env.BENCH_USERS ?? 100_000);
const SMALL_USERS = Math.min(1000, Math.max(100, Math.floor(USERS / 10)));
// Spare users (in no group) for W4-big: each request adds one not yet a member; at ~2k writes/s
// per server over two runs, 50 % of USERS keeps every request a real insert.
const SPARE = QUICK ? 2000 : Math.max(2000, Math.floor(USERS / 2));
const SMALL_GROUPS = Math.max(10, Math.floor(USERS / 100));
const DURATION = Number(env.BENCH_DURATION ?? (QUICK ? 1 : 5));
const WARMUP = QUICK ? 0.5 : 1.5;
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 10);
const SYNC = env.BENCH_SYNCHRONOUS === 'NORMAL' ? 'NORMAL' : 'FULL';
const LOG_LEVEL = env.BENCH_LOG_LEVEL ?? 'info';
/** Per-tenant fairness limits off: W1–W5 drive one tenant at thousands of requests per second. */
const UNLIMITED = ['--tenant-rate-limit', '0', '--tenant-max-inflight', '0', '--tenant-time-share', '0'] as const;
const FAIR_ONLY = process.argv.slice(2).includes('fairness') || env.BENCH_ONLY?.trim() === 'FAIR';
const LD_ONLY = env.BENCH_ONLY?.trim() === 'LD';
const WEBHOOKS_ONLY = process.argv.slice(2).includes('webhooks');
const SCALE_ONLY = process.argv.slice(2).includes('scale') || env.BENCH_ONLY?.trim() === 'SCALE';
const ONLY = FAIR_ONLY ? ['FAIR'] : WEBHOOKS_ONLY ? ['WH'] : SCALE_ONLY ? ['SCALE'] : env.BENCH_ONLY?.split(',').map((s) => s.trim()).filter((s) => s !== '');
const PROFILE = env.BENCH_PROFILE === '1';
const PAGE = 100;
const DEEP_PAGE = Math.min(500, Math.max(2, Math.floor(USERS / PAGE / 2)));
const LOAD_USERS = QUICK ? 500 : 5000;
const RESULTS = new URL('results/latest.json', import.meta.url).pathname;
const MB = 1024 * 1024;

const wants = (id: string): boolean => ONLY === undefined || ONLY.some((o) => id === o || id.startsWith(o));

interface Pair {
  readonly roster: ServerProc;
  readonly ceiling: ServerProc;
}

async function measure(
  pair: Pair, token: string, id: string, title: string, users: number, gen: Generator, minRatio?: number, notes: string[] = [],
): Promise<WorkloadResult> {
  process.stdout.write(`  ${id} ${title} …`);
  const run = async (s: ServerProc) => {
    const r = await runLoad({ origin: s.origin, token, connections: CONNECTIONS, warmupSeconds: WARMUP, seconds: DURATION, next: gen(s) });
    // Requests still queued in the server when the run stopped must not spill into the next run.
    await fetch(`${s.origin}/healthz`, { signal: AbortSignal.timeout(120_000) }).catch(() => undefined);
    return r;
  };
  const roster = await run(pair.roster);
  const ceiling = await run(pair.ceiling);
  const ratio = ceiling.rps === 0 ? 0 : roster.rps / ceiling.rps;
  const w: WorkloadResult = { id, title, users, roster, ceiling, ratio, ...(minRatio !== undefined ? { minRatio } : {}), notes };
  console.log(` roster ${roster.rps.toFixed(0)} req/s, ceiling ${ceiling.rps.toFixed(0)} req/s (×${ratio.toFixed(2)})${clean(roster) && clean(ceiling) ? '' : ' WITH ERRORS'}`);
  return w;
}

async function startPair(name: string, db: string, seeded: Seeded, logDir: string, profDir?: string): Promise<Pair> {
  const rosterDb = join(logDir, `${name}-roster.db`);
  const ceilingDb = join(logDir, `${name}-ceiling.db`);
  copyFileSync(db, rosterDb);
  copyFileSync(db, ceilingDb);
  const common = { tenantId: seeded.tenantId, logDir, synchronous: SYNC };
  // W1–W5 measure one tenant's throughput, far above any per-tenant limit: the fairness
  // limits are off here and on (defaults) in the fairness workload (docs/benchmark.md).
  const roster = await startRoster({ ...common, db: rosterDb, name: `roster-${name}`, logLevel: LOG_LEVEL, args: UNLIMITED, ...(profDir !== undefined ? { cpuProfDir: profDir } : {}) });
  const ceiling = await startCeiling({ ...common, db: ceilingDb, apiKey: seeded.apiKey, name: `ceiling-${name}` });
  return { roster, ceiling };
}

/** Bytes per table/index (SQLite dbstat), to report the per-user footprint of the users alone. */
function tableBytes(file: string): Record<string, number> {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC').all() as { name: string; bytes: number }[];
    return Object.fromEntries(rows.map((r) => [r.name, r.bytes]));
  } catch {
    return {};
  } finally {
    db.close();
  }
}

/**
 * The fairness workload on its own database: B (the small population, with
 * groups of 100) and A (2,000 users with three emails each) in one Roster with
 * its default limits.
 */
async function fairnessStage(dir: string): Promise<FairnessResult> {
  const file = join(dir, 'seed-fair.db');
  console.log(`\nFairness: ${SMALL_USERS} users for tenant B, 2000 for tenant A`);
  const victim = await seed({ file, users: SMALL_USERS, spareUsers: 0, smallGroups: 10, smallGroupSize: 100, bigGroupSize: 0, synchronous: SYNC });
  const attacker = await seedAttacker(file, 2000, SYNC);
  const roster = await startRoster({ db: file, tenantId: victim.tenantId, logDir: dir, synchronous: SYNC, logLevel: LOG_LEVEL, name: 'roster-fair' });
  try {
    const f = await runFairness({
      roster, victim, attacker,
      seconds: QUICK ? 3 : Math.max(10, DURATION),
      warmupSeconds: WARMUP,
      victimRate: Number(env.BENCH_FAIR_RATE ?? 50),
      attackKinds: (env.BENCH_FAIR_ATTACK?.split(',').map((k) => k.trim()) ?? ATTACK_KINDS).filter((k): k is AttackKind => (ATTACK_KINDS as readonly string[]).includes(k)),
    });
    printFairness(f);
    return f;
  } finally {
    await roster.stop();
  }
}

/** The webhooks workload on its own small database (bench/webhooks.ts). */
async function webhooksStage(dir: string): Promise<WebhooksResult> {
  console.log('  WH webhooks on vs off …');
  return runWebhooks({ dir, synchronous: SYNC, logLevel: LOG_LEVEL, seconds: DURATION, connections: CONNECTIONS, unlimited: UNLIMITED });
}

/** The scale rung (bench/scale.ts): a million users and a million-member group on each store. */
async function runScale(dir: string) {
  const stores = (env.BENCH_SCALE_STORES ?? 'sqlite,postgres').split(',').map((x) => x.trim()).filter((x): x is ScaleStore => x === 'sqlite' || x === 'postgres');
  const scale = await scaleStage({
    dir, stores, users: Number(env.BENCH_SCALE_USERS ?? (QUICK ? 20_000 : 1_000_000)), baseUsers: 1000, spareUsers: QUICK ? 2000 : 20_000,
    seconds: DURATION, warmupSeconds: WARMUP, connections: CONNECTIONS, logLevel: LOG_LEVEL, synchronous: SYNC, unlimited: UNLIMITED,
  });
  return { date: new Date().toISOString(), quick: QUICK, ...scale };
}

/** `npm run bench -- fairness` or `-- scale`: that stage alone, merged into the last results. */
async function stageOnly(key: 'fairness' | 'scale'): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'roster-bench-'));
  try {
    console.log(`Roster ${key} benchmark, synchronous=${SYNC}, log level ${LOG_LEVEL}; machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, node ${process.version}`);
    let figures: Record<string, unknown>;
    if (key === 'fairness') figures = { date: new Date().toISOString(), quick: QUICK, ...(await fairnessStage(dir)) };
    else {
      const scale = await runScale(dir);
      printChecks(scale.checks);
      figures = scale;
    }
    const previous = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown>) : {};
    writeResults(RESULTS, { ...previous, [key]: figures });
  } finally {
    if (env.BENCH_KEEP === '1') console.log(`Kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A run of some workloads (`BENCH_ONLY`) updates the last results instead of replacing
 * them: its workloads and checks replace those of the same id or name, its stages
 * (`postgres`, `scale`, …) those stages; the rest of the file is kept.
 */
function mergeOnly(current: Record<string, unknown>): Record<string, unknown> {
  if (ONLY === undefined || !existsSync(RESULTS)) return current;
  const previous = JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown>;
  const merge = <T>(key: string, name: (x: T) => string): T[] => {
    const now = (current[key] ?? []) as T[];
    const replaced = new Set(now.map(name));
    return [...((previous[key] ?? []) as T[]).filter((x) => !replaced.has(name(x))), ...now];
  };
  return {
    ...previous, ...current,
    workloads: merge<WorkloadResult>('workloads', (w) => w.id),
    checks: merge<Check>('checks', (c) => c.name),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'roster-bench-'));
  const profDir = PROFILE ? join(dir, 'profile') : undefined;
  console.log(`Roster benchmark: ${USERS} users (+${SPARE} spare), ${DURATION}s per run after ${WARMUP}s warm-up, ${CONNECTIONS} connections, synchronous=${SYNC}, log level ${LOG_LEVEL}`);
  console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, node ${process.version}; work dir ${dir}`);

  const seedSpec = { smallGroupSize: 100, synchronous: SYNC } as const;
  const big = await seed({ ...seedSpec, file: join(dir, 'seed-big.db'), users: USERS, spareUsers: SPARE, smallGroups: SMALL_GROUPS, bigGroupSize: USERS });
  const totalSeeded = USERS + SPARE;
  console.log(`Seeded ${totalSeeded} users, ${SMALL_GROUPS} groups of 100 and one group of ${USERS} through the store in ${big.seconds.toFixed(1)}s (${Math.round(totalSeeded / big.seconds)} users/s)`);
  const small = await seed({ ...seedSpec, file: join(dir, 'seed-small.db'), users: SMALL_USERS, spareUsers: 0, smallGroups: 10, bigGroupSize: SMALL_USERS });
  const token = big.apiKey;
  const results: WorkloadResult[] = [];
  const checks: Check[] = [];
  let scimLoad: { post?: LoadRate; bulk?: LoadRate } = {};

  // Stage 1: the small database (W2 baseline) and the SCIM load rate.
  if (wants('W2') || wants('LOAD')) {
    console.log(`\nStage 1: ${SMALL_USERS} users`);
    const pair = await startPair('small', join(dir, 'seed-small.db'), small, dir);
    try {
      if (wants('W2')) results.push(await measure(pair, small.apiKey, 'W2-small', `filter userName eq (${SMALL_USERS} users)`, SMALL_USERS, filterByUserName(small, 2), 0.6));
      if (wants('LOAD')) {
        const post = await postRate(pair.roster, small.apiKey, LOAD_USERS, 'load');
        const bulk = await bulkRate(pair.roster, small.apiKey, LOAD_USERS, 'load');
        scimLoad = { post, bulk };
        console.log(`  SCIM load rate: POST /Users ${post.usersPerSecond.toFixed(0)} users/s (${post.users} ok, ${post.failed} failed); POST /Bulk ×100 ${bulk.usersPerSecond.toFixed(0)} users/s (${bulk.users} ok, ${bulk.failed} failed)`);
      }
    } finally {
      await pair.roster.stop();
      await pair.ceiling.stop();
    }
  }

  // Stage 2: the large database.
  console.log(`\nStage 2: ${USERS} users`);
  const pair = await startPair('big', join(dir, 'seed-big.db'), big, dir, profDir);
  const memory: Record<string, unknown> = { idle: { roster: pair.roster.memory(), ceiling: pair.ceiling.memory() } };
  try {
    if (wants('W2')) {
      const w = await measure(pair, token, 'W2-big', `filter userName eq (${USERS} users)`, USERS, filterByUserName(big, 2), 0.6);
      results.push(w);
      const base = results.find((r) => r.id === 'W2-small');
      if (base !== undefined) {
        const slow = base.roster.rps / w.roster.rps;
        checks.push({ name: `W2 at ${USERS} users vs at ${SMALL_USERS} (req/s ratio)`, value: `${slow.toFixed(2)}× slower`, target: '≤ 1.30×', pass: slow <= 1.3 });
      }
    }
    if (wants('W3')) {
      const first = await measure(pair, token, 'W3-index', `startIndex=1&count=${PAGE}`, USERS, fixedGet(() => `startIndex=1&count=${PAGE}`), 0.5);
      const cfirst = await measure(pair, token, 'W3-cursor1', `cursor first page, count=${PAGE}`, USERS, fixedGet(() => `count=${PAGE}&cursor=`), 0.5);
      const rc = await cursorForPage(pair.roster, token, PAGE, DEEP_PAGE);
      const cc = await cursorForPage(pair.ceiling, token, PAGE, DEEP_PAGE);
      const deep = await measure(pair, token, 'W3-deep', `cursor page ${DEEP_PAGE}, count=${PAGE}`, USERS, fixedGet((s) => `count=${PAGE}&cursor=${encodeURIComponent(s === pair.roster ? rc : cc)}`), 0.5);
      results.push(first, cfirst, deep);
      const slow = first.roster.rps / deep.roster.rps;
      checks.push({ name: `W3 deep cursor page ${DEEP_PAGE} vs startIndex=1 (req/s ratio)`, value: `${slow.toFixed(2)}× slower`, target: '≤ 1.20×', pass: slow <= 1.2 });
      const slowC = cfirst.roster.rps / deep.roster.rps;
      checks.push({ name: `W3 deep cursor page ${DEEP_PAGE} vs first cursor page (req/s ratio)`, value: `${slowC.toFixed(2)}× slower`, target: '≤ 1.20×', pass: slowC <= 1.2 });
    }
    memory.afterReads = { roster: pair.roster.memory(), ceiling: pair.ceiling.memory() };
    const rss = (memory.afterReads as { roster: { rss: number } }).roster.rss;
    // W5 is RSS after the reads: a run without W2 and W3 (e.g. BENCH_ONLY=PG) has nothing to report.
    if (wants('W2') || wants('W3')) checks.push({ name: `W5 Roster RSS with ${USERS} users loaded (after W2/W3)`, value: `${(rss / MB).toFixed(1)} MB`, target: '≤ 150 MB', pass: rss > 0 && rss <= 150 * MB });
    if (wants('W4')) {
      // Per server: the next spare user to add (each server has its own copy of the database).
      const spareOffset = new Map<string, number>();
      const smallW = await measure(pair, token, 'W4-small', 'PATCH add member, 100-member groups', USERS, addToSmallGroups(big, 4), 0.5);
      const bigW = await measure(pair, token, 'W4-big', `PATCH add member, ${USERS}-member group`, USERS, addToBigGroup(big, spareOffset), 0.5, ['as Entra/Okta send it (no attributes/excludedAttributes): 204 + ETag, the member list is neither read nor returned']);
      // The variant goes on from where W4-big stopped on each server: every request still inserts a new member row.
      const bigX = await measure(pair, token, 'W4-big-x', `same, ?excludedAttributes=members`, USERS, addToBigGroup(big, spareOffset, '?excludedAttributes=members'), undefined, ['info: 200 with the group without members; the member list is not read']);
      results.push(smallW, bigW, bigX);
      const slow = smallW.roster.rps / bigW.roster.rps;
      checks.push({ name: `W4 ${USERS}-member group vs 100-member groups (req/s ratio)`, value: `${slow.toFixed(2)}× slower`, target: '≤ 1.20×', pass: slow <= 1.2 });
      const slowX = smallW.roster.rps / bigX.roster.rps;
      checks.push({ name: `W4 same with excludedAttributes=members (info)`, value: `${slowX.toFixed(2)}× slower`, target: '≤ 1.20×', pass: slowX <= 1.2 });
    }
    if (wants('W1')) results.push(await measure(pair, token, 'W1', `POST /Users (${USERS} users loaded)`, USERS, createUsers(Date.now().toString(36)), 0.5));
    memory.end = { roster: pair.roster.memory(), ceiling: pair.ceiling.memory() };
  } finally {
    await pair.roster.stop();
    await pair.ceiling.stop();
  }

  const tables = tableBytes(join(dir, 'seed-big.db'));
  const userTables = ['resources', 'resources_name', 'resources_type_id', 'resources_external_id', 'resources_created', 'resources_last_modified', 'sqlite_autoindex_resources_1', 'email_values', 'email_values_resource'];
  const userBytes = userTables.reduce((n, t) => n + (tables[t] ?? 0), 0);
  const dbSize = {
    fileBytes: big.fileBytes,
    users: totalSeeded,
    memberRows: SMALL_GROUPS * 100 + USERS,
    bytesPerUserWholeFile: Math.round(big.fileBytes / totalSeeded),
    bytesPerUserRowsAndIndexes: Math.round(userBytes / totalSeeded),
    tables,
  };
  checks.push({ name: 'W5 database size per user (file incl. groups ÷ users)', value: `${dbSize.bytesPerUserWholeFile} B`, target: 'report', pass: true });

  let postgres: PgStageResult | undefined;
  if (wants('PG') || ONLY?.some((o) => o.startsWith('PG-')) === true) {
    postgres = await pgStage({
      dir, users: Number(env.BENCH_PG_USERS ?? Math.min(USERS, 20_000)), seconds: DURATION, warmupSeconds: WARMUP,
      connections: CONNECTIONS, logLevel: LOG_LEVEL, unlimited: UNLIMITED, wants,
    });
    results.push(...postgres.workloads);
    checks.push(...postgres.checks);
  }

  const fairness = wants('FAIR') ? await fairnessStage(dir) : undefined;
  const scale = wants('SCALE') ? await runScale(dir) : undefined;
  if (scale !== undefined) checks.push(...scale.checks);
  const webhooks = wants('WH') ? await webhooksStage(dir) : undefined;
  const ld = wants('LD') ? await ldStage({ dir, quick: QUICK, logLevel: LOG_LEVEL, synchronous: SYNC }) : undefined;

  let profile: ProfileSummary | undefined;
  if (profDir !== undefined) {
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (file !== undefined) profile = summariseProfile(join(profDir, file));
  }

  printWorkloads(results);
  if (scimLoad.post !== undefined && scimLoad.bulk !== undefined) {
    console.log(`\nSCIM load rate (Roster, ${SMALL_USERS} users loaded): POST /Users ${scimLoad.post.usersPerSecond.toFixed(0)} users/s; POST /Bulk (100 ops) ${scimLoad.bulk.usersPerSecond.toFixed(0)} users/s; store seeding ${Math.round(totalSeeded / big.seconds)} users/s`);
  }
  const mem = memory.afterReads as { roster: { rss: number; peak: number }; ceiling: { rss: number } };
  const endMem = memory.end as { roster: { peak: number } } | undefined;
  console.log(`Memory after loading ${USERS} users and W2/W3: Roster RSS ${(mem.roster.rss / MB).toFixed(1)} MB, ceiling ${(mem.ceiling.rss / MB).toFixed(1)} MB; Roster peak over the run ${((endMem?.roster.peak ?? 0) / MB).toFixed(1)} MB`);
  console.log(`Database: ${(dbSize.fileBytes / MB).toFixed(1)} MB for ${totalSeeded} users + groups → ${dbSize.bytesPerUserWholeFile} B/user (user rows + indexes + email table: ${dbSize.bytesPerUserRowsAndIndexes} B/user)`);
  for (const w of results) if (w.minRatio !== undefined) checks.unshift({ name: `${w.id} ratio to ceiling`, value: w.ratio.toFixed(2), target: `≥ ${w.minRatio}`, pass: workloadPass(w) });
  if (webhooks !== undefined) {
    printWebhooks(webhooks);
    checks.push({ name: 'Webhooks: SCIM req/s delivery on ÷ off', value: `${webhooks.ratio.toFixed(2)}×`, target: `≥ ${webhooks.target}`, pass: webhooks.ratio >= webhooks.target && webhooks.delivered >= webhooks.events });
  }
  if (fairness !== undefined) {
    printFairness(fairness);
    checks.push({ name: 'Fairness: B p99 under attack ÷ alone', value: `${fairness.p99Ratio.toFixed(2)}×`, target: '≤ 2×', pass: fairness.p99Ratio > 0 && fairness.p99Ratio <= fairness.target && clean(fairness.underAttack) });
  }
  if (ld !== undefined) {
    printLd(ld);
    checks.push(...ld.checks);
  }
  printChecks(checks);
  if (profile !== undefined) printProfile(profile);

  writeResults(RESULTS, mergeOnly({
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, totalMemMB: Math.round(totalmem() / MB), node: process.version, platform: `${process.platform}-${process.arch}` },
    settings: { users: USERS, spareUsers: SPARE, smallUsers: SMALL_USERS, smallGroups: SMALL_GROUPS, durationSeconds: DURATION, warmupSeconds: WARMUP, connections: CONNECTIONS, journalMode: 'wal', synchronous: SYNC, logLevel: LOG_LEVEL, quick: QUICK, only: ONLY ?? null },
    seeding: { seconds: big.seconds, usersPerSecond: totalSeeded / big.seconds },
    scimLoad,
    workloads: results,
    memory,
    dbSize,
    checks,
    ...(postgres !== undefined ? { postgres } : {}),
    ...(scale !== undefined ? { scale } : {}),
    ...(fairness !== undefined ? { fairness: { date: new Date().toISOString(), quick: QUICK, ...fairness } } : {}),
    ...(webhooks !== undefined ? { webhooks: { date: new Date().toISOString(), quick: QUICK, ...webhooks } } : {}),
    ...(ld !== undefined ? { ld: { date: new Date().toISOString(), quick: QUICK, ...ld } } : {}),
    ...(profile !== undefined ? { profile } : {}),
  }));
  if (env.BENCH_KEEP === '1') console.log(`Kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

await (FAIR_ONLY ? stageOnly('fairness') : SCALE_ONLY ? stageOnly('scale') : LD_ONLY ? ldOnly(RESULTS, { quick: QUICK, logLevel: LOG_LEVEL, synchronous: SYNC }) : main());
