/**
 * The fairness workload (docs/benchmark.md, docs/reliability.md LD-2): tenant B
 * runs ordinary provisioning traffic at a fixed rate (W2-style `userName eq`
 * lookups and W4-style member adds, alternating) while tenant A sends the
 * heaviest requests the limits allow, at A's whole allowed rate and
 * concurrency. The figure is B's p99 under attack ÷ B's p99 alone (target ≤ 2×).
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { runLoad } from './load.ts';
import type { BenchRequest, LoadResult } from './load.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { defaultRegistry } from '../src/scim/schema/registry.ts';
import { BULK_REQUEST_URN, PATCH_OP_URN, SEARCH_REQUEST_URN } from '../src/scim/messages.ts';
import { DEFAULTS } from '../src/config.ts';
import { COST_ELEMENT, COST_SUBQUERY } from '../src/store/sql/filter-cost.ts';
import { createTenant } from '../src/tenants/tenants.ts';
import type { Synchronous } from '../src/store/sqlite/connection.ts';
import { storedData, userBody } from './seed.ts';
import type { Seeded } from './seed.ts';
import type { ServerProc } from './servers.ts';
import { addToSmallGroups, filterByUserName, prng } from './workloads.ts';

/** The attacking tenant, added to a database seeded for B. */
export interface Attacker {
  readonly tenantId: string;
  readonly apiKey: string;
  readonly userIds: readonly string[];
}

/** Adds tenant A with `users` users (multi-valued emails) to `file`, through Roster's store. */
export async function seedAttacker(file: string, users: number, synchronous: Synchronous): Promise<Attacker> {
  const store = await openSqliteStore({ file, registry: defaultRegistry, synchronous });
  try {
    const { tenant, apiKey } = await createTenant(store, { name: 'attacker', idp: 'generic' }, { publicUrl: null, port: 0 });
    const userIds: string[] = [];
    const ts = new Date().toISOString();
    await store.transaction(async (tx) => {
      for (let i = 0; i < users; i++) {
        const id = crypto.randomUUID();
        const body = userBody(`a${String(i).padStart(6, '0')}@attacker.example`, i);
        body.emails = [
          { value: `a${i}@attacker.example`, type: 'work', primary: true },
          { value: `a${i}.home@attacker.example`, type: 'home' },
          { value: `a${i}.other@attacker.example`, type: 'other' },
        ];
        await tx.insertResource({ tenantId: tenant.id, type: 'User', id, data: storedData('User', body), version: 1, created: ts, lastModified: ts });
        userIds.push(id);
      }
    });
    return { tenantId: tenant.id, apiKey, userIds };
  } finally {
    await store.close();
  }
}

/**
 * The costliest filter the limits allow: an OR of value filters over the
 * multi-valued `emails`, at most `maxLength` characters and `maxCost` by the
 * compiler's cost model (src/store/sql/filter-cost.ts: a subquery over a
 * multi-valued attribute 10, each comparison inside it 1).
 */
export function longFilter(maxLength: number, maxCost: number = DEFAULTS.filterMaxCost): string {
  const parts: string[] = [];
  let length = 0;
  let cost = 0;
  for (let i = 0; ; i++) {
    const clause = i % 2 === 0 ? `emails[type eq "work" and value co "x${i}"]` : `emails.value ew "${i}@attacker.example"`;
    const add = (parts.length === 0 ? 0 : 4) + clause.length;
    const clauseCost = i % 2 === 0 ? COST_SUBQUERY + 2 * COST_ELEMENT : COST_SUBQUERY;
    if (length + add > maxLength || cost + clauseCost > maxCost) break;
    parts.push(clause);
    length += add;
    cost += clauseCost;
  }
  return parts.join(' or ');
}

const MANY_ATTRIBUTES = [
  'userName', 'name', 'name.givenName', 'name.familyName', 'name.formatted', 'name.middleName', 'name.honorificPrefix', 'name.honorificSuffix',
  'displayName', 'nickName', 'profileUrl', 'title', 'userType', 'preferredLanguage', 'locale', 'timezone', 'active', 'externalId',
  'emails', 'emails.value', 'emails.type', 'emails.primary', 'emails.display', 'phoneNumbers', 'phoneNumbers.value', 'phoneNumbers.type',
  'ims', 'ims.value', 'photos', 'photos.value', 'addresses', 'addresses.formatted', 'addresses.streetAddress', 'addresses.locality',
  'addresses.region', 'addresses.postalCode', 'addresses.country', 'addresses.type', 'groups', 'groups.value', 'groups.display',
  'entitlements', 'entitlements.value', 'roles', 'roles.value', 'x509Certificates', 'x509Certificates.value', 'meta', 'meta.created',
  'meta.lastModified', 'meta.version', 'meta.location', 'meta.resourceType',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager',
];

/**
 * A's requests, in turn: a maximum-length filter over multi-valued attributes
 * with the largest page, a PATCH with the most operations, a `.search` with that
 * filter and many attributes, and a Bulk with the most operations (one write
 * transaction each).
 */
export const ATTACK_KINDS = ['filter', 'patch', 'search', 'bulk'] as const;
export type AttackKind = (typeof ATTACK_KINDS)[number];

export function attackRequests(base: string, a: Attacker, kinds: readonly AttackKind[] = ATTACK_KINDS, limits = DEFAULTS): () => BenchRequest {
  const rnd = prng(7);
  const pick = (): string => a.userIds[Math.floor(rnd() * a.userIds.length)] as string;
  const filter = longFilter(limits.filterMaxLength);
  const count = limits.maxResults;
  // In a URL the filter must also fit Node's 16 KiB header limit (--max-http-header-size), percent-encoded.
  let getFilter = filter;
  for (let n = limits.filterMaxLength; encodeURIComponent(getFilter).length > 14_000; n -= 256) getFilter = longFilter(n);
  const getPath = `${base}/Users?count=${count}&filter=${encodeURIComponent(getFilter)}`;
  const search = JSON.stringify({ schemas: [SEARCH_REQUEST_URN], filter, attributes: MANY_ATTRIBUTES, count });
  let n = 0;
  const patchBody = (): string => {
    const ops: unknown[] = [];
    for (let i = 0; ops.length < limits.maxPatchOperations; i++) {
      const value = `p${n}-${i}@attacker.example`;
      ops.push({ op: 'add', path: 'emails', value: [{ value, type: 'other' }] });
      ops.push({ op: 'remove', path: `emails[value eq "${value}"]` });
    }
    return JSON.stringify({ schemas: [PATCH_OP_URN], Operations: ops.slice(0, limits.maxPatchOperations) });
  };
  const bulkBody = (): string => {
    const Operations = Array.from({ length: limits.bulkMaxOperations }, (_, i) => ({
      method: 'PATCH',
      path: `/Users/${pick()}`,
      data: { schemas: [PATCH_OP_URN], Operations: [{ op: 'replace', path: 'displayName', value: `bulk ${n} ${i}` }] },
    }));
    return JSON.stringify({ schemas: [BULK_REQUEST_URN], Operations });
  };
  const make: Record<AttackKind, () => BenchRequest> = {
    filter: () => ({ method: 'GET', path: getPath }),
    patch: () => ({ method: 'PATCH', path: `${base}/Users/${pick()}`, body: patchBody() }),
    search: () => ({ method: 'POST', path: `${base}/Users/.search`, body: search }),
    bulk: () => ({ method: 'POST', path: `${base}/Bulk`, body: bulkBody() }),
  };
  return () => make[kinds[n++ % kinds.length] as AttackKind]();
}

/** B's ordinary traffic: W2-style lookups and W4-style member adds, alternating. */
export function victimRequests(server: ServerProc, b: Seeded): () => BenchRequest {
  const lookup = filterByUserName(b, 11)(server);
  const add = addToSmallGroups(b, 13)(server);
  let n = 0;
  return () => (n++ % 2 === 0 ? lookup() : add());
}

export interface FairnessResult {
  readonly victimRate: number;
  readonly attackerRate: number;
  readonly attackerConnections: number;
  readonly attackKinds: readonly AttackKind[];
  readonly seconds: number;
  readonly idle: LoadResult;
  readonly underAttack: LoadResult;
  readonly attacker: LoadResult;
  /** B's p99 under attack ÷ B's p99 alone. */
  readonly p99Ratio: number;
  readonly target: number;
}

export interface FairnessSpec {
  readonly roster: ServerProc;
  readonly victim: Seeded;
  readonly attacker: Attacker;
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** B's requests per second (an IdP sync: tens per second). */
  readonly victimRate: number;
  /** A's request kinds (default all four, in turn). */
  readonly attackKinds?: readonly AttackKind[];
}

/**
 * Open-loop load: one request every 1/`rate` s for `seconds`, each timed on its
 * own (a request stuck behind someone else's work counts with its whole latency,
 * and does not hold back the ones after it), then every answer is awaited.
 */
export async function pacedLoad(origin: string, token: string, rate: number, seconds: number, next: () => BenchRequest): Promise<LoadResult> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', accept: 'application/scim+json' };
  const total = Math.max(1, Math.round(rate * seconds));
  const lat: number[] = [];
  const statusCodes: Record<string, number> = {};
  let errors = 0;
  let timeouts = 0;
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const r = next();
    const t0 = performance.now();
    pending.push(
      fetch(origin + r.path, { method: r.method, headers, body: r.body, signal: AbortSignal.timeout(120_000) })
        .then(async (res) => {
          await res.arrayBuffer();
          const ms = performance.now() - t0;
          statusCodes[res.status] = (statusCodes[res.status] ?? 0) + 1;
          if (res.status >= 200 && res.status < 300) lat.push(ms);
        })
        .catch((e: unknown) => {
          if ((e as Error).name === 'TimeoutError') timeouts++;
          else errors++;
        }),
    );
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(lat).sort();
  const pct = (p: number): number => (sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number));
  const non2xx = Object.entries(statusCodes).reduce((n, [code, c]) => (code.startsWith('2') ? n : n + c), 0);
  return { ok: lat.length, non2xx, errors, timeouts, statusCodes, seconds: elapsed, rps: lat.length / elapsed, p50: pct(50), p99: pct(99) };
}

/**
 * B alone, then B while A attacks at its full allowed rate and concurrency
 * (autocannon, `tenantMaxInflight` connections paced at `tenantRateLimit`);
 * A keeps attacking until every request of B has been answered.
 */
export async function runFairness(spec: FairnessSpec): Promise<FairnessResult> {
  const { roster, victim, attacker } = spec;
  const victimLoad = async (): Promise<LoadResult> => {
    await pacedLoad(roster.origin, victim.apiKey, spec.victimRate, spec.warmupSeconds, victimRequests(roster, victim));
    return pacedLoad(roster.origin, victim.apiKey, spec.victimRate, spec.seconds, victimRequests(roster, victim));
  };
  const idle = await victimLoad();
  const attackerRate = DEFAULTS.tenantRateLimit;
  const attackerConnections = DEFAULTS.tenantMaxInflight;
  const stop = new AbortController();
  const attack = runLoad({
    origin: roster.origin, token: attacker.apiKey, connections: attackerConnections, overallRate: attackerRate,
    warmupSeconds: 0, seconds: 3600, signal: stop.signal, next: attackRequests(`/scim/v2/${attacker.tenantId}`, attacker, spec.attackKinds),
  });
  // Let the attack reach its steady state before B's warm-up begins.
  await sleep(spec.warmupSeconds * 1000);
  const underAttack = await victimLoad();
  stop.abort();
  const a = await attack;
  const p99Ratio = idle.p99 === 0 ? 0 : underAttack.p99 / idle.p99;
  return { victimRate: spec.victimRate, attackerRate, attackerConnections, attackKinds: spec.attackKinds ?? ATTACK_KINDS, seconds: spec.seconds, idle, underAttack, attacker: a, p99Ratio, target: 2 };
}

/** The printed table of the fairness workload. */
export function printFairness(f: FairnessResult): void {
  const row = (name: string, r: LoadResult): string =>
    `  ${name.padEnd(34)} ${r.rps.toFixed(1).padStart(8)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(9)}  ${JSON.stringify(r.statusCodes)}${r.errors + r.timeouts > 0 ? ` ${r.errors} errors, ${r.timeouts} timeouts` : ''}`;
  console.log(`\nFairness: tenant B at ${f.victimRate} req/s (userName eq + member add) while tenant A sends its heaviest requests at ${f.attackerRate} req/s, ${f.attackerConnections} connections`);
  console.log(`  ${'run'.padEnd(34)} ${'2xx/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(9)}  statuses`);
  console.log(row('B alone', f.idle));
  console.log(row('B while A attacks', f.underAttack));
  console.log(row(`A (${f.attackKinds.join(', ')})`, f.attacker));
  const pass = f.p99Ratio > 0 && f.p99Ratio <= f.target && f.underAttack.non2xx === 0 && f.underAttack.errors === 0;
  console.log(`  B p99 under attack ÷ alone: ${f.p99Ratio.toFixed(2)}× (target ≤ ${f.target}×) ${pass ? 'PASS' : 'FAIL'}`);
}
