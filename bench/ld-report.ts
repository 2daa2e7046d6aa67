/**
 * The figures, checks and printed table of the load checks LD-1…LD-4
 * (docs/benchmark.md "Load checks (LD-1…LD-4)").
 */
import type { Check } from './report.ts';
import type { TestConnectionResult, PagingResult } from './ld-paging.ts';
import type { ClassFigures, TrafficResult } from './ld-traffic.ts';

const MB = 1024 * 1024;
/** Past this event-loop delay of the load generator, its requests leave late and LD-1/LD-2's latencies are partly its own. */
const MAX_GENERATOR_LAG_MS = 100;

/** RSS of each process, sampled during LD-1; window means in bytes. */
export interface RssFigures {
  readonly sampleSeconds: number;
  /** Length of each window: a minute, or a third of a shorter run. */
  readonly windowSeconds: number;
  readonly processes: Array<{ name: string; first: number; second: number; last: number; peak: number; change: number; samples: number[] }>;
  /** Largest allowed |last − second| ÷ second. */
  readonly maxChange: number;
}

/** LD-1…LD-4 on one store. */
export interface LdStoreResult {
  readonly store: string;
  readonly processes: number;
  readonly seedSeconds: number;
  readonly directoryUsers: number;
  readonly directoryGroups: number;
  readonly directoryMembers: number;
  readonly ld1: TrafficResult & { readonly tenants: number; readonly rate: number; readonly rss: RssFigures };
  readonly ld2: { readonly baseline: TrafficResult; readonly flood: TrafficResult; readonly p99Ratio: number; readonly target: number };
  readonly ld3: PagingResult;
  readonly ld4: TestConnectionResult;
  readonly checks: Check[];
}

/** Mean of the samples taken in [from, to) seconds. */
export function windowMean(samples: ReadonlyArray<{ t: number; rss: number }>, from: number, to: number): number {
  const xs = samples.filter((s) => s.t >= from && s.t < to).map((s) => s.rss);
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

const ms = (n: number): string => n.toFixed(1);

/** The pass/fail lines of one store's run. */
export function ldChecks(r: Omit<LdStoreResult, 'checks'>): Check[] {
  const at = `[${r.store}]`;
  const n = r.ld1.normal;
  const checks: Check[] = [];
  checks.push({
    name: `LD-1 ${at} ${r.ld1.tenants} tenants × ${r.ld1.rate} req/s: errors`,
    value: `${n.errors} of ${n.sent} (${n.sentPerSecond.toFixed(0)} req/s sent)`,
    target: '0 (404/409 expected)',
    pass: n.errors === 0 && n.sent > 0,
  });
  for (const p of r.ld1.rss.processes) {
    checks.push({
      name: `LD-1 ${at} RSS flat, ${p.name} (last ÷ second window)`,
      value: `${(p.second / MB).toFixed(1)} → ${(p.last / MB).toFixed(1)} MB (${(p.change * 100).toFixed(1)} %)`,
      target: `within ${r.ld1.rss.maxChange * 100} %`,
      pass: p.second > 0 && Math.abs(p.change) <= r.ld1.rss.maxChange,
    });
  }
  const f = r.ld2.flood.flooder;
  // A baseline with errors is a saturated server: its p99 is the backlog's, and no ratio to it means anything.
  const baselineClean = r.ld2.baseline.normal.errors === 0;
  checks.push({
    name: `LD-2 ${at} others' p99 with a 10× tenant ÷ without`,
    value: `${ms(r.ld2.flood.normal.p99)} / ${ms(r.ld2.baseline.normal.p99)} ms = ${r.ld2.p99Ratio.toFixed(2)}×${baselineClean ? '' : ' (baseline had errors)'}`,
    target: `≤ ${r.ld2.target}×, clean baseline`,
    pass: baselineClean && r.ld2.p99Ratio > 0 && r.ld2.p99Ratio <= r.ld2.target,
  });
  checks.push({
    name: `LD-2 ${at} flooder gets 429 + integer Retry-After`,
    value: `${f?.tooMany ?? 0} × 429, ${f?.tooManyBadRetryAfter ?? 0} bad`,
    target: '> 0, every one integer',
    pass: f !== undefined && f.tooMany > 0 && f.tooManyBadRetryAfter === 0 && f.errors === 0,
  });
  const others = [r.ld1.normal, r.ld2.baseline.normal, r.ld2.flood.normal];
  checks.push({
    name: `LD-2 ${at} default limits never refuse a normal sync`,
    value: `${others.reduce((a, c) => a + c.tooMany, 0)} × 429, ${others.reduce((a, c) => a + c.errors, 0)} errors`,
    target: '0 (LD-1 and both LD-2 runs)',
    pass: others.every((c) => c.tooMany === 0 && c.errors === 0),
  });
  // The figures are the server's only if the load generator kept its schedule.
  const lag = Math.max(r.ld1.generatorLagP99, r.ld2.baseline.generatorLagP99, r.ld2.flood.generatorLagP99);
  checks.push({
    name: `LD ${at} load generator kept its schedule (event-loop delay p99)`,
    value: `${ms(lag)} ms`,
    target: `≤ ${MAX_GENERATOR_LAG_MS} ms`,
    pass: lag <= MAX_GENERATOR_LAG_MS,
  });
  const pps = r.ld3.walks.map((w) => w.pagesPerSecond.toFixed(0)).join('/');
  checks.push({
    name: `LD-3 ${at} paging ${r.directoryUsers} users, ${r.directoryGroups} groups: each once, stable`,
    value: r.ld3.pass ? `ok, ${pps} pages/s` : `${r.ld3.problems.length} problems`,
    target: 'exactly once, same order',
    pass: r.ld3.pass,
  });
  checks.push({
    name: `LD-4 ${at} Test Connection (random GUID) → 200, empty list`,
    value: `p50 ${ms(r.ld4.p50)} / p99 ${ms(r.ld4.p99)} ms, ${r.ld4.wrong} wrong`,
    target: `${r.ld4.requests} × 200 empty`,
    pass: r.ld4.wrong === 0,
  });
  return checks;
}

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

const generator = (t: TrafficResult): string => `load generator CPU ${(t.generatorCpu * 100).toFixed(0)} %, event-loop delay p99 ${ms(t.generatorLagP99)} ms`;

function printClass(label: string, c: ClassFigures): void {
  console.log(`    ${label}: ${c.tenants} tenant(s) × ${c.rate} req/s → ${c.sentPerSecond.toFixed(1)} req/s sent; 2xx p50 ${ms(c.p50)} / p99 ${ms(c.p99)} ms; errors ${c.errors}, 404/409 ${c.expected404or409}, 429 ${c.tooMany}${c.tooMany > 0 ? ` by limit and Retry-After ${JSON.stringify(c.retryAfter)}` : ''} (not integer: ${c.tooManyBadRetryAfter})`);
  for (const k of c.kinds) {
    console.log(`      ${pad(k.kind, 8)} ${lpad(String(k.sent), 7)} sent ${lpad(String(k.ok), 7)} 2xx  p50 ${lpad(ms(k.p50), 7)}  p99 ${lpad(ms(k.p99), 7)} ms  ${JSON.stringify(k.statuses)}`);
  }
  for (const s of c.samples) console.log(`      unexpected: ${s}`);
}

/** Prints one store's figures. */
export function printLdStore(r: LdStoreResult): void {
  console.log(`\nLoad checks on ${r.store} (${r.processes} process${r.processes > 1 ? 'es, requests spread over them in turn' : ''}); seeded in ${r.seedSeconds.toFixed(1)} s`);
  console.log(`  LD-1 sustained rate, ${r.ld1.seconds.toFixed(0)} s until the last answer, answers per process ${JSON.stringify(r.ld1.perProcess)}; ${generator(r.ld1)}`);
  printClass('tenants', r.ld1.normal);
  const rss = r.ld1.rss;
  for (const p of rss.processes) {
    console.log(`    RSS ${p.name} every ${rss.sampleSeconds} s, window means (${rss.windowSeconds} s) first / second / last: ${(p.first / MB).toFixed(1)} / ${(p.second / MB).toFixed(1)} / ${(p.last / MB).toFixed(1)} MB (last ÷ second ${(p.change * 100).toFixed(1)} %), peak ${(p.peak / MB).toFixed(1)} MB`);
  }
  console.log(`  LD-2 fairness, ${r.ld2.baseline.seconds.toFixed(0)} s each: without the flooder, then with tenant 0 at 10×`);
  console.log(`    ${generator(r.ld2.baseline)} without; ${generator(r.ld2.flood)} with`);
  printClass('others, no flooder', r.ld2.baseline.normal);
  printClass('others, with flooder', r.ld2.flood.normal);
  if (r.ld2.flood.flooder !== undefined) printClass('flooder', r.ld2.flood.flooder);
  console.log(`    others' p99 with ÷ without the flooder: ${r.ld2.p99Ratio.toFixed(2)}× (target ≤ ${r.ld2.target}×)`);
  console.log(`  LD-3 paging the directory (${r.directoryUsers} users, ${r.directoryGroups} groups, ${r.directoryMembers} member rows), count=100, one page at a time`);
  for (const w of r.ld3.walks) console.log(`    ${pad(w.name, 18)} ${lpad(String(w.pages), 5)} pages ${lpad(String(w.resources), 7)} resources ${lpad(w.pagesPerSecond.toFixed(1), 7)} pages/s`);
  for (const p of r.ld3.problems.slice(0, 10)) console.log(`    problem: ${p}`);
  console.log(`  LD-4 Test Connection: ${r.ld4.requests} requests one at a time, p50 ${ms(r.ld4.p50)} / p99 ${ms(r.ld4.p99)} ms, ${JSON.stringify(r.ld4.statuses)}, ${r.ld4.wrong} not an empty 200 list`);
  for (const s of r.ld4.samples) console.log(`    wrong: ${s}`);
}
