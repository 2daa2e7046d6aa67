/**
 * LD-3 (initial sync and paging) and LD-4 (Test Connection) of docs/reliability.md, on the
 * directory tenant (docs/benchmark.md "Load checks (LD-1…LD-4)").
 *
 * LD-3 pages `/Users` and `/Groups?excludedAttributes=members` with `count=100`, by index
 * (`startIndex`, RFC 7644 §3.4.2.4) and by cursor (RFC 9865, docs/scim-api.md "Paging"),
 * one request at a time, page i on process i mod n (a load balancer between pages). Every
 * resource must come exactly once, both walks in the same order, and `totalResults`,
 * `itemsPerPage` and `startIndex` (index paging) must be JSON integers.
 *
 * LD-4 sends Entra's Test Connection, `GET /Users?filter=userName eq "<random GUID>"`
 * (Microsoft Entra docs, "use-scim-to-provision-users-and-groups", Getting started), which
 * must be a 200 ListResponse with `totalResults: 0` and no resources (RFC 7644 §3.4.2).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LdTenant } from './ld-seed.ts';
import { percentile } from './ld-traffic.ts';
import type { ServerProc } from './servers.ts';

/** LD-4's pace: 50 requests/s, half the default `--tenant-rate-limit`. */
const TEST_CONNECTION_INTERVAL_MS = 20;

/** One walk through a resource type. */
export interface WalkResult {
  readonly name: string;
  readonly pages: number;
  readonly resources: number;
  readonly seconds: number;
  readonly pagesPerSecond: number;
  /** What went wrong (empty: the walk passed its own checks). */
  readonly problems: string[];
  readonly ids: string[];
}

/** LD-3's figures: the four walks and the cross-checks. */
export interface PagingResult {
  readonly walks: Array<Omit<WalkResult, 'ids'>>;
  readonly problems: string[];
  readonly pass: boolean;
}

/** LD-4's figures. */
export interface TestConnectionResult {
  readonly requests: number;
  readonly p50: number;
  readonly p99: number;
  readonly statuses: Record<string, number>;
  /** Answers that were not a 200 empty ListResponse with integer `totalResults: 0`. */
  readonly wrong: number;
  readonly samples: string[];
}

interface ListPage {
  totalResults?: unknown;
  itemsPerPage?: unknown;
  startIndex?: unknown;
  nextCursor?: unknown;
  Resources?: Array<{ id?: unknown; members?: unknown }>;
}

async function get(s: ServerProc, token: string, path: string): Promise<{ status: number; body: ListPage; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(s.origin + path, { headers: { authorization: `Bearer ${token}`, accept: 'application/scim+json' }, signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  const ms = performance.now() - t0;
  let body: ListPage = {};
  try {
    body = JSON.parse(text) as ListPage;
  } catch {
    // A body that is not JSON is a problem the caller reports (status or fields).
  }
  return { status: res.status, body, ms };
}

/** Walks one resource type by index or by cursor, page i on server i mod n. */
async function walk(servers: readonly ServerProc[], t: LdTenant, type: 'Users' | 'Groups', mode: 'index' | 'cursor', expected: number, count: number): Promise<WalkResult> {
  const name = `${type} by ${mode}`;
  const extra = type === 'Groups' ? '&excludedAttributes=members' : '';
  const problems: string[] = [];
  const ids: string[] = [];
  const problem = (p: string): void => {
    if (problems.length < 10) problems.push(`${name}: ${p}`);
  };
  const started = performance.now();
  let pages = 0;
  let cursor: string | undefined = '';
  let startIndex = 1;
  // A bound on the walk: twice the pages the directory needs.
  const maxPages = 2 * Math.ceil(expected / count) + 2;
  while (pages < maxPages) {
    const s = servers[pages % servers.length]!;
    const query = mode === 'index' ? `startIndex=${startIndex}&count=${count}` : `count=${count}&cursor=${encodeURIComponent(cursor ?? '')}`;
    const r = await get(s, t.apiKey, `/scim/v2/${t.tenantId}/${type}?${query}${extra}`);
    pages++;
    if (r.status !== 200) {
      problem(`page ${pages} on ${s.name}: status ${r.status}`);
      break;
    }
    const b = r.body;
    const resources = b.Resources ?? [];
    if (!Number.isInteger(b.totalResults)) problem(`page ${pages}: totalResults ${JSON.stringify(b.totalResults)} is not an integer`);
    else if (b.totalResults !== expected) problem(`page ${pages}: totalResults ${String(b.totalResults)}, expected ${expected}`);
    if (!Number.isInteger(b.itemsPerPage)) problem(`page ${pages}: itemsPerPage ${JSON.stringify(b.itemsPerPage)} is not an integer`);
    else if (b.itemsPerPage !== resources.length) problem(`page ${pages}: itemsPerPage ${String(b.itemsPerPage)} but ${resources.length} resources`);
    if (mode === 'index') {
      if (!Number.isInteger(b.startIndex)) problem(`page ${pages}: startIndex ${JSON.stringify(b.startIndex)} is not an integer`);
      else if (b.startIndex !== startIndex) problem(`page ${pages}: startIndex ${String(b.startIndex)}, asked ${startIndex}`);
    }
    for (const res of resources) {
      if (typeof res.id !== 'string') problem(`page ${pages}: a resource without id`);
      else ids.push(res.id);
      if (type === 'Groups' && res.members !== undefined) problem(`page ${pages}: members returned despite excludedAttributes=members`);
    }
    if (mode === 'index') {
      startIndex += count;
      if (resources.length < count || startIndex > expected) break;
    } else {
      cursor = typeof b.nextCursor === 'string' ? b.nextCursor : undefined;
      if (cursor === undefined) break;
      if (resources.length === 0) {
        problem(`page ${pages}: empty page with a nextCursor`);
        break;
      }
    }
  }
  if (pages >= maxPages) problem(`did not end within ${maxPages} pages`);
  const seconds = (performance.now() - started) / 1000;
  return { name, pages, resources: ids.length, seconds, pagesPerSecond: pages / seconds, problems, ids };
}

/** Exactly once: no repeats, and the ids are the seeded ones. */
function exactlyOnce(w: WalkResult, expected: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  let repeats = 0;
  for (const id of w.ids) {
    if (seen.has(id)) repeats++;
    seen.add(id);
  }
  if (repeats > 0) problems.push(`${w.name}: ${repeats} resources returned more than once`);
  const missing = [...expected].filter((id) => !seen.has(id)).length;
  if (missing > 0) problems.push(`${w.name}: ${missing} resources never returned`);
  const unknown = [...seen].filter((id) => !expected.has(id)).length;
  if (unknown > 0) problems.push(`${w.name}: ${unknown} resources not in the directory`);
  return problems;
}

/** LD-3: the four walks on a directory nothing writes to meanwhile. */
export async function runPaging(servers: readonly ServerProc[], t: LdTenant, count = 100): Promise<PagingResult> {
  const walks: WalkResult[] = [];
  const problems: string[] = [];
  for (const type of ['Users', 'Groups'] as const) {
    const expected = new Set(type === 'Users' ? t.users.map((u) => u.id) : t.groups.map((g) => g.id));
    const byIndex = await walk(servers, t, type, 'index', expected.size, count);
    const byCursor = await walk(servers, t, type, 'cursor', expected.size, count);
    walks.push(byIndex, byCursor);
    for (const w of [byIndex, byCursor]) problems.push(...w.problems, ...exactlyOnce(w, expected));
    // Stable order: the index walk and the cursor walk, each spread over the processes, agree.
    const firstDiff = byIndex.ids.findIndex((id, i) => byCursor.ids[i] !== id);
    if (firstDiff >= 0 || byIndex.ids.length !== byCursor.ids.length) {
      problems.push(`${type}: index and cursor walks differ in order (first at position ${firstDiff >= 0 ? firstDiff : Math.min(byIndex.ids.length, byCursor.ids.length)})`);
    }
  }
  return { walks: walks.map(({ ids: _ids, ...w }) => w), problems, pass: problems.length === 0 };
}

/** LD-4: `requests` Test Connection lookups, one at a time, alternating between the processes. */
export async function runTestConnection(servers: readonly ServerProc[], t: LdTenant, requests: number): Promise<TestConnectionResult> {
  const lat: number[] = [];
  const statuses: Record<string, number> = {};
  const samples: string[] = [];
  let wrong = 0;
  const started = performance.now();
  for (let i = 0; i < requests; i++) {
    // Test Connection is one request now and then: paced at half the default per-tenant rate
    // (`--tenant-rate-limit` 100/s), so the limit, which is right to refuse a burst, is not measured.
    const wait = started + i * TEST_CONNECTION_INTERVAL_MS - performance.now();
    if (wait > 0) await sleep(wait);
    const s = servers[i % servers.length]!;
    const filter = encodeURIComponent(`userName eq "${randomUUID()}"`).replace(/%20/g, '+');
    const r = await get(s, t.apiKey, `/scim/v2/${t.tenantId}/Users?filter=${filter}`);
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    const resources = r.body.Resources;
    const empty = resources === undefined || (Array.isArray(resources) && resources.length === 0);
    if (r.status === 200 && r.body.totalResults === 0 && empty) lat.push(r.ms);
    else {
      wrong++;
      if (samples.length < 5) samples.push(`${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
    }
  }
  const sorted = Float64Array.from(lat).sort();
  return { requests, p50: percentile(sorted, 50), p99: percentile(sorted, 99), statuses, wrong, samples };
}
