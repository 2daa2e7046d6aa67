/**
 * Open-loop provisioning traffic for LD-1 and LD-2 (docs/benchmark.md "Load checks
 * (LD-1…LD-4)"): each tenant sends what Entra ID's sync sends, at a fixed request rate,
 * spread over the Roster processes request by request, as a load balancer would.
 *
 * A tenant alternates two steps (Microsoft Entra docs, "use-scim-to-provision-users-and-groups",
 * requests "Get User by query", "Create User", "Update User", "Update Group [Add/Remove Members]";
 * replayed in test/conformance/entra.test.ts):
 * - a **user step**: `GET /Users?filter=userName eq "…"`, then `POST /Users` when the list is
 *   empty (a new user, 30 % of steps) or `PATCH /Users/{id}` (a `Replace` of `displayName`)
 *   when it is not: two requests, the second sent as soon as the first is answered;
 * - a **group step**: `PATCH /Groups/{id}` with an `Add` or a `Remove` of one member.
 *
 * Steps are issued on a schedule (open loop), whatever the answers so far: a request held up
 * by the server counts with its whole latency and does not delay the ones after it.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { PATCH_OP_URN } from '../src/scim/messages.ts';
import type { LdTenant } from './ld-seed.ts';
import { userBody } from './seed.ts';
import type { ServerProc } from './servers.ts';
import { prng } from './workloads.ts';

/** The request kinds of the sync pattern. */
export const LD_KINDS = ['lookup', 'create', 'update', 'group'] as const;
export type LdKind = (typeof LD_KINDS)[number];

/** Latencies and statuses of one kind of request. */
export interface KindFigures {
  readonly kind: LdKind;
  readonly sent: number;
  readonly ok: number;
  readonly p50: number;
  readonly p99: number;
  readonly statuses: Record<string, number>;
}

/** What one class of tenants (the ordinary ones, or the flooder) got. */
export interface ClassFigures {
  readonly tenants: number;
  /** Requests per second per tenant asked for. */
  readonly rate: number;
  readonly sent: number;
  /** Requests sent per second, all tenants of the class. */
  readonly sentPerSecond: number;
  /** Anything but a 2xx, the expected 404/409 and (for the flooder) 429; network errors and timeouts included. */
  readonly errors: number;
  readonly expected404or409: number;
  readonly tooMany: number;
  /** 429 answers whose `Retry-After` is not whole seconds (RFC 9110 §10.2.3, docs/scim-api.md). */
  readonly tooManyBadRetryAfter: number;
  /** The 429s by the limit that refused them (`rate`, `inflight`, `time`: docs/scim-api.md "Limits and fairness") and `Retry-After`. */
  readonly retryAfter: Record<string, number>;
  readonly networkErrors: number;
  /** 2xx latency over every request of the class. */
  readonly p50: number;
  readonly p99: number;
  readonly kinds: KindFigures[];
  /** A few of the unexpected answers, for the report. */
  readonly samples: string[];
}

/** Requests answered by each process. */
export interface TrafficResult {
  readonly seconds: number;
  readonly normal: ClassFigures;
  readonly flooder?: ClassFigures;
  readonly perProcess: Record<string, number>;
  /** The load generator's own CPU (user + system) ÷ wall time, and its event-loop delay p99 (ms): when high, latencies include the generator's. */
  readonly generatorCpu: number;
  readonly generatorLagP99: number;
}

/** A tenant in the run: its seeded data and its rate. */
export interface TrafficTenant {
  readonly tenant: LdTenant;
  readonly rate: number;
  readonly flooder: boolean;
}

interface Collector {
  lat: Record<LdKind, number[]>;
  sent: Record<LdKind, number>;
  statuses: Record<LdKind, Record<string, number>>;
  errors: number;
  expected: number;
  tooMany: number;
  badRetryAfter: number;
  retryAfter: Record<string, number>;
  network: number;
  samples: string[];
}

const newCollector = (): Collector => ({
  lat: { lookup: [], create: [], update: [], group: [] },
  sent: { lookup: 0, create: 0, update: 0, group: 0 },
  statuses: { lookup: {}, create: {}, update: {}, group: {} },
  errors: 0, expected: 0, tooMany: 0, badRetryAfter: 0, retryAfter: {}, network: 0, samples: [],
});

/** The `p`th percentile of a sorted array (nearest rank). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

const sorted = (xs: number[]): Float64Array => Float64Array.from(xs).sort();

/** Entra sends `+` for spaces in the query string. */
const q = (filter: string): string => encodeURIComponent(filter).replace(/%20/g, '+');

/** One tenant's client: its steps, its view of group memberships, its counters. */
class TenantClient {
  private readonly rnd: () => number;
  private readonly members = new Set<string>();
  private readonly users: Array<{ id?: string; userName: string }>;
  private created = 0;
  private n = 0;
  constructor(
    private readonly t: TrafficTenant,
    private readonly tag: string,
    private readonly send: (method: string, path: string, body: unknown, token: string) => Promise<Answer>,
    readonly c: Collector,
    seed: number,
  ) {
    this.rnd = prng(seed);
    this.users = t.tenant.users.map((u) => ({ id: u.id, userName: u.userName }));
    for (const g of t.tenant.groups) for (const m of g.members) this.members.add(`${g.id} ${m}`);
  }

  private get base(): string {
    return `/scim/v2/${this.t.tenant.tenantId}`;
  }

  private note(kind: LdKind, a: Answer): void {
    this.c.sent[kind]++;
    const code = a.status === 0 ? a.error ?? 'network' : String(a.status);
    this.c.statuses[kind][code] = (this.c.statuses[kind][code] ?? 0) + 1;
    if (a.status >= 200 && a.status < 300) {
      this.c.lat[kind].push(a.ms);
      return;
    }
    if (a.status === 404 || a.status === 409) {
      this.c.expected++;
      return;
    }
    if (a.status === 429) {
      this.c.tooMany++;
      if (!/^\d+$/.test(a.retryAfter ?? '')) this.c.badRetryAfter++;
      // Which limit refused it, from the detail (src/http/limits.ts), and its Retry-After.
      const why = /concurrent/.test(a.text) ? 'inflight' : /share/.test(a.text) ? 'time' : /Too many requests/.test(a.text) ? 'rate' : 'other';
      const key = `${why} ${a.retryAfter ?? 'none'}`;
      this.c.retryAfter[key] = (this.c.retryAfter[key] ?? 0) + 1;
      if (this.t.flooder) return;
    }
    if (a.status === 0) this.c.network++;
    this.c.errors++;
    if (this.c.samples.length < 5) this.c.samples.push(`${kind} ${code} ${a.text.slice(0, 200)}`);
  }

  /** One step: user and group steps in turn. */
  async step(): Promise<void> {
    const i = this.n++;
    if (i % 2 === 1) return this.groupStep();
    const fresh = this.rnd() < 0.3;
    const u = fresh ? { userName: `t-${this.tag}-${this.t.tenant.tenantId.slice(0, 6)}-${this.created++}@new.ld.example` } : this.users[Math.floor(this.rnd() * this.users.length)]!;
    const look = await this.send('GET', `${this.base}/Users?filter=${q(`userName eq "${u.userName}"`)}`, undefined, this.t.tenant.apiKey);
    this.note('lookup', look);
    if (look.status !== 200) return;
    const found = look.json?.Resources?.[0]?.id;
    if (typeof found === 'string') {
      const body = { schemas: [PATCH_OP_URN], Operations: [{ op: 'Replace', path: 'displayName', value: `LD ${this.tag} ${i}` }] };
      this.note('update', await this.send('PATCH', `${this.base}/Users/${found}`, body, this.t.tenant.apiKey));
      return;
    }
    const created = await this.send('POST', `${this.base}/Users`, userBody(u.userName, i), this.t.tenant.apiKey);
    this.note('create', created);
    const id = created.json?.id;
    if (created.status === 201 && typeof id === 'string') this.users.push({ id, userName: u.userName });
  }

  private async groupStep(): Promise<void> {
    const groups = this.t.tenant.groups;
    const g = groups[Math.floor(this.rnd() * groups.length)]!;
    const u = this.t.tenant.users[Math.floor(this.rnd() * this.t.tenant.users.length)]!;
    const key = `${g.id} ${u.id}`;
    const isMember = this.members.has(key);
    if (isMember) this.members.delete(key);
    else this.members.add(key);
    const op = isMember ? { op: 'Remove', path: 'members', value: [{ value: u.id }] } : { op: 'Add', path: 'members', value: [{ $ref: null, value: u.id }] };
    this.note('group', await this.send('PATCH', `${this.base}/Groups/${g.id}`, { schemas: [PATCH_OP_URN], Operations: [op] }, this.t.tenant.apiKey));
  }
}

/** One answer: status (0 = no answer), time, `Retry-After`, and the JSON body when one was asked for. */
interface Answer {
  readonly status: number;
  readonly ms: number;
  readonly retryAfter: string | null;
  readonly text: string;
  readonly error?: string;
  readonly json?: { id?: unknown; Resources?: Array<{ id?: unknown }> };
}

function figures(c: Collector, tenants: TrafficTenant[], seconds: number): ClassFigures {
  const kinds = LD_KINDS.map((kind) => {
    const s = sorted(c.lat[kind]);
    return { kind, sent: c.sent[kind], ok: s.length, p50: percentile(s, 50), p99: percentile(s, 99), statuses: c.statuses[kind] };
  });
  const all = sorted(LD_KINDS.flatMap((k) => c.lat[k]));
  const sent = kinds.reduce((n, k) => n + k.sent, 0);
  return {
    tenants: tenants.length, rate: tenants[0]?.rate ?? 0, sent, sentPerSecond: sent / seconds,
    errors: c.errors, expected404or409: c.expected, tooMany: c.tooMany, tooManyBadRetryAfter: c.badRetryAfter, retryAfter: c.retryAfter, networkErrors: c.network,
    p50: percentile(all, 50), p99: percentile(all, 99), kinds, samples: c.samples,
  };
}

/**
 * Runs the tenants' traffic for `seconds` against `servers` (request i to server i mod n),
 * then waits for every answer. `onTick` is called about once a second (RSS sampling).
 */
export async function runTraffic(o: { servers: readonly ServerProc[]; tenants: TrafficTenant[]; seconds: number; tag: string; onTick?: (elapsed: number) => void }): Promise<TrafficResult> {
  const perProcess: Record<string, number> = Object.fromEntries(o.servers.map((s) => [s.name, 0]));
  let next = 0;
  const send = async (method: string, path: string, body: unknown, token: string): Promise<Answer> => {
    const s = o.servers[next++ % o.servers.length]!;
    const t0 = performance.now();
    try {
      const res = await fetch(s.origin + path, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/scim+json', ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      const ms = performance.now() - t0;
      perProcess[s.name] = (perProcess[s.name] ?? 0) + 1;
      let json: Answer['json'];
      if ((method === 'GET' || method === 'POST') && res.status < 300 && text !== '') json = JSON.parse(text) as Answer['json'];
      return { status: res.status, ms, retryAfter: res.headers.get('retry-after'), text, ...(json !== undefined ? { json } : {}) };
    } catch (e) {
      const err = e as Error;
      const cause = (err.cause as NodeJS.ErrnoException | undefined)?.code ?? (err.cause as Error | undefined)?.message ?? '';
      return { status: 0, ms: performance.now() - t0, retryAfter: null, text: `${err.message} ${cause}`, error: err.name === 'TimeoutError' ? 'timeout' : 'network' };
    }
  };
  const normal = newCollector();
  const flood = newCollector();
  const clients = o.tenants.map((t, k) => ({ t, client: new TenantClient(t, `${o.tag}${k}`, send, t.flooder ? flood : normal, 1000 + k) }));
  // Steps per second: a user step is two requests and a group step one, in turn (1.5 a step).
  const schedule = clients.map(({ t, client }, k) => ({ client, interval: 1000 / (t.rate / 1.5), due: 0, offset: (k / clients.length) * (1000 / (t.rate / 1.5)) }));
  const pending: Promise<void>[] = [];
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const end = started + o.seconds * 1000;
  let lastTick = started;
  for (const s of schedule) s.due = started + s.offset;
  for (;;) {
    const now = performance.now();
    if (now >= end) break;
    let soonest = end;
    for (const s of schedule) {
      while (s.due <= now && s.due < end) {
        pending.push(s.client.step());
        s.due += s.interval;
      }
      soonest = Math.min(soonest, s.due);
    }
    if (now - lastTick >= 1000) {
      lastTick = now;
      o.onTick?.((now - started) / 1000);
    }
    const wait = Math.min(soonest, lastTick + 1000) - performance.now();
    if (wait > 0) await sleep(wait);
  }
  await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  lag.disable();
  const cpu = process.cpuUsage(cpu0);
  const floodTenants = o.tenants.filter((t) => t.flooder);
  return {
    seconds,
    normal: figures(normal, o.tenants.filter((t) => !t.flooder), o.seconds),
    ...(floodTenants.length > 0 ? { flooder: figures(flood, floodTenants, o.seconds) } : {}),
    perProcess,
    generatorCpu: (cpu.user + cpu.system) / 1e6 / seconds,
    generatorLagP99: lag.percentile(99) / 1e6,
  };
}
