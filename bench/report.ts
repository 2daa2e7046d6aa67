/**
 * Results: the printed table, the target checks, and `bench/results/latest.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LoadResult } from './load.ts';

export interface WorkloadResult {
  readonly id: string;
  readonly title: string;
  /** Users in the database when it ran. */
  readonly users: number;
  readonly roster: LoadResult;
  readonly ceiling: LoadResult;
  /** Roster req/s ÷ ceiling req/s. */
  readonly ratio: number;
  /** Minimum ratio asked for, if this workload has one. */
  readonly minRatio?: number;
  readonly notes: string[];
}

export interface Check {
  readonly name: string;
  readonly value: string;
  readonly target: string;
  readonly pass: boolean;
}

const f1 = (n: number): string => n.toFixed(1);
const f2 = (n: number): string => n.toFixed(2);
const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

/** Whether a run is clean: nothing but 2xx, no socket errors or timeouts. */
export const clean = (r: LoadResult): boolean => r.non2xx === 0 && r.errors === 0 && r.timeouts === 0 && r.ok > 0;

export function workloadPass(w: WorkloadResult): boolean {
  return clean(w.roster) && clean(w.ceiling) && (w.minRatio === undefined || w.ratio >= w.minRatio);
}

export function printWorkloads(ws: readonly WorkloadResult[]): void {
  const head = `${pad('workload', 44)} ${pad('server', 8)} ${lpad('req/s', 9)} ${lpad('p50 ms', 8)} ${lpad('p99 ms', 8)} ${lpad('ratio', 6)} ${lpad('target', 7)}  result`;
  console.log(`\n${head}\n${'-'.repeat(head.length)}`);
  for (const w of ws) {
    const errs = (r: LoadResult): string =>
      clean(r) ? '' : `  [${r.non2xx} non-2xx ${JSON.stringify(r.statusCodes)}, ${r.errors} errors, ${r.timeouts} timeouts]`;
    const target = w.minRatio === undefined ? '-' : `≥${f2(w.minRatio)}`;
    const verdict = w.minRatio === undefined ? (clean(w.roster) && clean(w.ceiling) ? 'info' : 'ERRORS') : workloadPass(w) ? 'PASS' : 'FAIL';
    const line = (server: string, r: LoadResult, last: string): string =>
      `${pad(server === 'roster' ? `${w.id} ${w.title}` : '', 44)} ${pad(server, 8)} ${lpad(f1(r.rps), 9)} ${lpad(f2(r.p50), 8)} ${lpad(f2(r.p99), 8)} ${last}${errs(r)}`;
    console.log(line('roster', w.roster, `${lpad(f2(w.ratio), 6)} ${lpad(target, 7)}  ${verdict}`));
    console.log(line('ceiling', w.ceiling, ''));
    for (const n of w.notes) console.log(`${' '.repeat(4)}note: ${n}`);
  }
}

export function printChecks(checks: readonly Check[]): void {
  console.log('\nChecks');
  for (const c of checks) console.log(`  ${c.pass ? 'PASS' : 'FAIL'}  ${pad(c.name, 58)} ${pad(c.value, 22)} target ${c.target}`);
}

export function writeResults(file: string, data: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  console.log(`\nResults written to ${file}`);
}
