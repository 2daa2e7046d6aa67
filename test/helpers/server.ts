/**
 * Test server: a real listener on 127.0.0.1 port 0, a real SQLite file in a
 * temp dir (or, with `TEST_STORE=postgres`, a fresh PostgreSQL database on the test
 * run's server: docs/storage.md "Testing on PostgreSQL"), Roster built by the composition root (`src/app/roster.ts`) with the
 * real SCIM handler (unless a test passes its own), and logs
 * captured in memory (so tests can assert what never appears in them, AU-8).
 *
 *   const srv = await startTestServer();
 *   const { apiKey, baseUrl } = await srv.createTenant();
 *   const call = scim(baseUrl, apiKey);
 *   const r = await call('POST', '/Users', { schemas: [...], userName: 'alice' });
 *   await srv.close();
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../src/config.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger, createRoster } from '../../src/app/roster.ts';
import type { Roster, RosterParts } from '../../src/app/roster.ts';
import type { OperatorVerifier } from '../../src/http/admin-mount.ts';
import type { Mount } from '../../src/http/mount.ts';
import type { ScimHandler } from '../../src/http/types.ts';
import type { Store } from '../../src/store/store.ts';
import type { IdpName, Tenant } from '../../src/domain/tenant.ts';
import { createTenant as createTenantRecord } from '../../src/tenants/tenants.ts';
import { testPostgres } from '../../src/store/test-stores.test-support.ts';
import Database from 'better-sqlite3';
import pg from 'pg';

/**
 * The store this test process serves from: `TEST_STORE=postgres` (set by
 * `scripts/run-tests.mjs` for its PostgreSQL pass) or SQLite (the default).
 */
export const TEST_STORE: 'sqlite' | 'postgres' = process.env['TEST_STORE'] === 'postgres' ? 'postgres' : 'sqlite';

/** Why a test that holds or reads the SQLite file itself does not run on PostgreSQL (a `skip` reason). */
export const SQLITE_ONLY: string | false = TEST_STORE === 'postgres' ? 'SQLite only: it holds or reads the SQLite file itself' : false;

export interface TestServerOptions {
  /** Settings that differ from the defaults (port and host are always 0 / 127.0.0.1). */
  readonly config?: Partial<Config>;
  /** Replaces the real SCIM handler (transport tests). */
  readonly scimHandler?: ScimHandler;
  /** Operator tokens of the admin API, as a host application would verify them. */
  readonly verifyOperator?: OperatorVerifier;
  /** More mounts (a third mount, as the console will be). */
  readonly mounts?: readonly Mount[];
  /** Webhook retry schedule and disabling rule (docs/webhooks.md). */
  readonly webhooks?: RosterParts['webhooks'];
}

export interface TestTenant {
  readonly tenant: Tenant;
  /** Plaintext API key. */
  readonly apiKey: string;
  /** Per-tenant SCIM base URL: `<url>/scim/v2/<tenantId>`. */
  readonly baseUrl: string;
}

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Shared SCIM base URL: `<url>/scim/v2` (the key names the tenant). */
  readonly sharedBaseUrl: string;
  readonly port: number;
  readonly store: Store;
  readonly config: Config;
  /** Temp dir holding the database file (SQLite; unused on PostgreSQL). */
  readonly dir: string;
  readonly dbFile: string;
  /** Every log line written so far (JSON text). */
  logs(): string;
  createTenant(name?: string, idp?: IdpName): Promise<TestTenant>;
  /** Graceful close (server, then store), then removes the temp dir. */
  close(): Promise<void>;
}

let counter = 0;

/**
 * Runs SQL on the test server's database from outside the server (a second connection,
 * as an operator would): `sqlite` on the SQLite file, `postgres` (with `$1`… parameters)
 * on its PostgreSQL database. Returns the rows.
 */
export async function dbQuery(srv: TestServer, sql: { sqlite: string; postgres: string }, params: readonly unknown[] = []): Promise<Array<Record<string, unknown>>> {
  if (srv.config.databaseUrl !== null && srv.config.databaseUrl !== undefined) {
    const c = new pg.Client({ connectionString: srv.config.databaseUrl });
    await c.connect();
    try {
      return (await c.query(sql.postgres, [...params])).rows as Array<Record<string, unknown>>;
    } finally {
      await c.end();
    }
  }
  // Through the asynchronous lock wait: the server in this process commits its write groups on the event loop.
  return withRawDatabase(srv.dbFile, (db) => {
    const st = db.prepare(sql.sqlite);
    if (st.reader) return st.all(...params) as Array<Record<string, unknown>>;
    st.run(...params);
    return [];
  });
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'roster-test-'));
  const dbFile = join(dir, 'roster.db');
  let databaseUrl: string | undefined;
  try {
    if (TEST_STORE === 'postgres') databaseUrl = await (await testPostgres()).freshDatabaseUrl();
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const config = loadConfig({
    env: {},
    overrides: {
      logLevel: 'info', ...opts.config, port: 0, host: '127.0.0.1', db: dbFile,
      ...(databaseUrl !== undefined ? { databaseUrl } : {}),
    },
  });
  const lines: string[] = [];
  const logger = createLogger({ level: config.logLevel, destination: { write: (line: string) => void lines.push(line) } });
  let server: Roster;
  try {
    server = await createRoster(config, {
      logger,
      ...(opts.scimHandler !== undefined ? { scimHandler: opts.scimHandler } : {}),
      ...(opts.verifyOperator !== undefined ? { verifyOperator: opts.verifyOperator } : {}),
      ...(opts.mounts !== undefined ? { mounts: opts.mounts } : {}),
      ...(opts.webhooks !== undefined ? { webhooks: opts.webhooks } : {}),
      publicUrlFor: (port) => `http://127.0.0.1:${port}`,
    });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const { store, http } = server;
  let listening: Awaited<ReturnType<Roster['listen']>>;
  try {
    listening = await server.listen(); // the Roster's listen: also the metrics listener of --metrics-port
  } catch (e) {
    await server.close().finally(() => rmSync(dir, { recursive: true, force: true }));
    throw e;
  }
  const { port, url } = listening;
  const publicConfig = { ...config, publicUrl: http.publicUrl() };
  let closed: Promise<void> | undefined;
  return {
    url,
    sharedBaseUrl: `${url}/scim/v2`,
    port,
    store,
    config,
    dir,
    dbFile,
    logs: () => lines.join(''),
    async createTenant(name = `Tenant ${++counter}`, idp: IdpName = 'generic') {
      const created = await createTenantRecord(store, { name, idp }, publicConfig);
      return { tenant: created.tenant, apiKey: created.apiKey, baseUrl: created.scimBaseUrl };
    },
    close() {
      closed ??= http.close().finally(() => rmSync(dir, { recursive: true, force: true }));
      return closed;
    },
  };
}

export interface ScimResult {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON, the raw text when not JSON, undefined when empty. */
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export type ScimCall = (
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<ScimResult>;

/**
 * A SCIM client for one base URL and key. `path` is appended to the base
 * (`/Users?filter=…`); a non-string body is sent as JSON with
 * `Content-Type: application/scim+json`; a string body is sent as is.
 */
export function scim(baseUrl: string, apiKey?: string): ScimCall {
  return async (method, path, body, headers = {}) => {
    const h: Record<string, string> = { accept: 'application/scim+json', ...headers };
    if (apiKey !== undefined && h.authorization === undefined) h.authorization = `Bearer ${apiKey}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      h['content-type'] ??= 'application/scim+json';
    }
    const res = await fetch(baseUrl + path, { method, headers: h, body: payload });
    return { status: res.status, headers: res.headers, body: await readResponse(res) };
  };
}

async function readResponse(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === '') return undefined;
  if (/json/i.test(res.headers.get('content-type') ?? '')) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/**
 * Runs `fn` on a second connection to a running test server's SQLite file, for what no
 * API does (simulating retention, a trigger failure). The server commits its write
 * groups on the event loop (docs/storage.md "Group commit"), so a blocking busy wait
 * here would wait for itself: the lock is retried asynchronously instead.
 */
export async function withRawDatabase<T>(file: string, fn: (db: Database.Database) => T): Promise<T> {
  const db = new Database(file, { timeout: 0 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        return db.transaction(() => fn(db)).immediate();
      } catch (e) {
        if (attempt >= 500 || !/SQLITE_BUSY|database is locked/i.test(String((e as { code?: string }).code ?? e))) throw e;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  } finally {
    db.close();
  }
}
