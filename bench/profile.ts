/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time per function
 * and per source area, so a report can say where the server's time goes.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
}

export interface ProfileLine {
  readonly name: string;
  readonly ms: number;
  readonly percent: number;
}

export interface ProfileSummary {
  /** Busy time (idle excluded), ms. */
  readonly busyMs: number;
  readonly functions: ProfileLine[];
  readonly areas: ProfileLine[];
}

const ROOT = new URL('..', import.meta.url).href;

/** Groups a script URL into an area of the code base (src/http, node internals, a package…). */
function areaOf(url: string, fn: string): string {
  if (url === '') return fn.startsWith('(') ? fn : '(native)';
  if (url.startsWith(ROOT)) {
    const rel = url.slice(ROOT.length);
    if (rel.startsWith('node_modules/')) return rel.split('/').slice(0, 2).join('/');
    return rel.split('/').slice(0, 2).join('/');
  }
  if (url.startsWith('node:')) return url.split('/')[0] === 'node:internal' ? 'node:internal' : url;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  return nm?.[1] ?? url;
}

export function summariseProfile(file: string, top = 20): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const hits = p.nodes.reduce((n, x) => n + (x.hitCount ?? 0), 0);
  const msPerHit = hits === 0 ? 0 : (p.endTime - p.startTime) / 1000 / hits;
  const fns = new Map<string, number>();
  const areas = new Map<string, number>();
  let idle = 0;
  for (const n of p.nodes) {
    const h = n.hitCount ?? 0;
    if (h === 0) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === '(idle)') {
      idle += h;
      continue;
    }
    const short = url.startsWith(ROOT) ? url.slice(ROOT.length) : url;
    const key = `${functionName || '(anonymous)'} ${short === '' ? '' : `${short}:${lineNumber + 1}`}`.trim();
    fns.set(key, (fns.get(key) ?? 0) + h);
    const area = areaOf(url, functionName);
    areas.set(area, (areas.get(area) ?? 0) + h);
  }
  const busy = hits - idle;
  const lines = (m: Map<string, number>): ProfileLine[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, h]) => ({ name, ms: Math.round(h * msPerHit), percent: busy === 0 ? 0 : Math.round((1000 * h) / busy) / 10 }));
  return { busyMs: Math.round(busy * msPerHit), functions: lines(fns), areas: lines(areas) };
}

export function printProfile(s: ProfileSummary): void {
  console.log(`\nCPU profile of the Roster process: ${s.busyMs} ms busy`);
  console.log('  By area (self time):');
  for (const a of s.areas.slice(0, 12)) console.log(`    ${a.percent.toFixed(1).padStart(5)}%  ${a.name}`);
  console.log('  Hottest functions (self time):');
  for (const f of s.functions) console.log(`    ${f.percent.toFixed(1).padStart(5)}%  ${f.name}`);
}
