/**
 * The fixture of the two-process PostgreSQL tests (docs/deployment.md, docs/reliability.md
 * "Two processes"): one fresh database of the test run's PostgreSQL (docs/storage.md
 * "Testing on PostgreSQL"), one tenant made by the CLI, two real `roster serve
 * --database-url` processes on it, and the helpers both test files use.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import pg from 'pg';
import { storeKinds, testPostgres } from '../../src/store/test-stores.test-support.ts';
import { ERROR, USER, client, createTenantCli, spawnServer } from './process.ts';
import type { CliTenant, Client, HttpResult, ServerProcess } from './process.ts';

/** The `skip` of a suite that needs PostgreSQL. */
export const SKIP = !storeKinds().includes('postgres') && 'STORES leaves out postgres';

/** A request that fails instead of hanging: no answer within 15 s is a test failure (a bound, not a timing). */
export const BOUND = 15_000;

/** Every 5xx must be a 503 with a SCIM error body and Retry-After (RFC 7644 §3.12): never a 500. */
export function no500(r: HttpResult): void {
  assert.ok(r.status < 500 || r.status === 503, `status ${r.status}: ${JSON.stringify(r.body)}`);
  if (r.status === 503) {
    assert.deepEqual(r.body.schemas, [ERROR]);
    assert.match(r.headers.get('retry-after') ?? '', /^\d+$/);
  }
}

/** Runs `fn` on one raw connection to `url` (a look from outside the servers). */
export async function withPg<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * Two processes on one database, started in the suite's `before` and killed in its
 * `after` (call it inside `describe`). `a` and `b` may be replaced by a test that
 * kills one of them.
 */
export class TwoProcesses {
  url = '';
  a!: ServerProcess;
  b!: ServerProcess;
  /** The tenant every helper acts as unless told otherwise. */
  t!: CliTenant;
  readonly #servers: ServerProcess[] = [];

  constructor() {
    before(async () => {
      this.url = await (await testPostgres()).freshDatabaseUrl();
      this.t = await createTenantCli(this.url, 'two processes');
      [this.a, this.b] = await Promise.all([this.start(), this.start()]);
    });
    after(async () => {
      await Promise.all(this.#servers.map((s) => s.kill()));
    });
  }

  /** One more process on the database (or on `url`), killed with the suite. */
  async start(extra?: readonly string[], url = this.url): Promise<ServerProcess> {
    // Per-tenant limits (LD-2) raised, so the 200 concurrent requests of one tenant all reach the database;
    // the wait for a pooled connection or a row lock may outlast the defaults (5 s, 2 s) on a machine shared
    // by many test runs (and by both two-process files at once): 10 s each, still within BOUND per request.
    const s = await spawnServer(url, extra ?? [
      '--pg-pool-max', '8', '--shutdown-timeout', '10s', '--query-timeout', '10s', '--pg-connect-timeout', '10s',
      '--tenant-max-inflight', '256', '--tenant-rate-limit', '10000', '--tenant-burst', '10000', '--tenant-time-share', '100',
    ]);
    this.#servers.push(s);
    return s;
  }

  /** A SCIM client of `tenant` on process `s`, each request bounded by `BOUND`. */
  on(s: ServerProcess, tenant: CliTenant = this.t): Client {
    const call = client(s.url, tenant);
    return (method, path, body) => call(method, path, body, AbortSignal.timeout(BOUND));
  }

  /** `n` users `<prefix><i>`, created 20 at a time alternating processes; their ids in order. */
  async createUsers(prefix: string, n: number, tenant: CliTenant = this.t, [a, b] = [this.a, this.b]): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(20, n - i) }, (_, j) => this.on(j % 2 === 0 ? a : b, tenant)('POST', '/Users', { schemas: [USER], userName: `${prefix}${i + j}` })),
      );
      for (const r of batch) {
        assert.equal(r.status, 201, JSON.stringify(r.body));
        ids.push(r.body.id as string);
      }
    }
    return ids;
  }

  /** The member ids of a group, read through process `a`. */
  async membersOf(gid: string, tenant: CliTenant = this.t): Promise<Set<string>> {
    const r = await this.on(this.a, tenant)('GET', `/Groups/${gid}`);
    assert.equal(r.status, 200);
    return new Set(((r.body.members ?? []) as Array<{ value: string }>).map((m) => m.value));
  }
}
