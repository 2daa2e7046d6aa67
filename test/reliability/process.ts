/**
 * Real Roster processes for the reliability tests: `bin/roster serve` spawned
 * on port 0 (the first log line names the port), the CLI run to completion,
 * and a read-only look at the SQLite file from outside the server.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/roster', import.meta.url));

export const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

/**
 * The environment without ROSTER_* variables (the CLI rejects unknown ones; tests pass
 * flags) and without DATABASE_URL (the tests' PostgreSQL, docs/storage.md "Testing on
 * PostgreSQL", must not redirect these servers from their --db file).
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ROSTER_') && k !== 'DATABASE_URL') env[k] = v;
  return env;
}

/** The flags naming the database: `--database-url URL` for a PostgreSQL URL, else `--db FILE`. */
export function dbArgs(db: string): string[] {
  return /^postgres(ql)?:/.test(db) ? ['--database-url', db] : ['--db', db];
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  readonly proc: ChildProcess;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Everything written to stdout and stderr so far. */
  logs(): string;
  /** The parsed JSON log lines so far. */
  logLines(): Array<Record<string, unknown>>;
  readonly exited: Promise<Exit>;
  /** Resolves with the first log line matching `pred` (waiting up to `ms`), else undefined. */
  waitForLog(pred: (line: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown> | undefined>;
  /** SIGKILL (if still running) and wait for the exit. */
  kill(): Promise<Exit>;
}

/** Spawns `roster serve --port 0 --db FILE` (or `--database-url URL`) and resolves once it listens. */
export function spawnServer(db: string, extra: readonly string[] = []): Promise<ServerProcess> {
  const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--host', '127.0.0.1', ...dbArgs(db), ...extra], {
    cwd: ROOT,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<Exit>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const logLines = (): Array<Record<string, unknown>> =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return {};
        }
      });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`roster serve did not start within 15 s:\n${out}`));
    }, 15_000);
    const onData = (d: Buffer): void => {
      out += d.toString('utf8');
      const listening = logLines().find((l) => typeof l.port === 'number' && String(l.msg).startsWith('Roster listening'));
      if (listening === undefined) return;
      clearTimeout(timer);
      const port = listening.port as number;
      resolve({
        proc,
        port,
        url: `http://127.0.0.1:${port}`,
        logs: () => out,
        logLines,
        exited,
        waitForLog: async (pred, ms = 5000) => {
          for (const end = Date.now() + ms; ; await sleep(10)) {
            const found = logLines().find(pred);
            if (found !== undefined || Date.now() > end) return found;
          }
        },
        kill: () => {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
          return exited;
        },
      });
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (d: Buffer) => void (out += d.toString('utf8')));
    void exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`roster serve exited before listening (${e.code ?? e.signal}):\n${out}`));
    });
  });
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `roster ARGS…` to completion. */
export function runCli(args: readonly string[]): Promise<CliResult> {
  const proc = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => void (stdout += d.toString('utf8')));
  proc.stderr.on('data', (d: Buffer) => void (stderr += d.toString('utf8')));
  return new Promise((resolve) => proc.once('close', (code) => resolve({ code, stdout, stderr })));
}

export interface CliTenant {
  readonly id: string;
  readonly apiKey: string;
}

/** `roster tenants create --json` on the database file (or PostgreSQL URL). */
export async function createTenantCli(db: string, name: string): Promise<CliTenant> {
  const r = await runCli(['tenants', 'create', ...dbArgs(db), '--public-url', 'http://127.0.0.1:1', '--name', name, '--idp', 'generic', '--json']);
  if (r.code !== 0) throw new Error(`tenants create failed (${r.code}): ${r.stderr}`);
  const t = JSON.parse(r.stdout) as { id: string; apiKey: string };
  return { id: t.id, apiKey: t.apiKey };
}

export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

/** A SCIM client on `<url>/scim/v2/<tenantId>`; a network failure rejects. */
export function client(url: string, t: CliTenant) {
  const base = `${url}/scim/v2/${t.id}`;
  return async (method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<HttpResult> => {
    const res = await fetch(base + path, {
      method,
      headers: {
        authorization: `Bearer ${t.apiKey}`,
        accept: 'application/scim+json',
        ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    const text = await res.text();
    let parsed: unknown = text === '' ? undefined : text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, headers: res.headers, body: parsed };
  };
}

export type Client = ReturnType<typeof client>;

/** Integrity and foreign keys of the file, opened read-only from outside the server. */
export function checkDatabase(file: string): { integrity: string; foreignKeyViolations: number } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const integrity = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join('; ');
    const foreignKeyViolations = (db.pragma('foreign_key_check') as unknown[]).length;
    return { integrity, foreignKeyViolations };
  } finally {
    db.close();
  }
}

/** Every user of the tenant (paged), by userName. */
export async function allUsers(call: Client): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  for (let start = 1; ; start += 1000) {
    const r = await call('GET', `/Users?startIndex=${start}&count=1000`);
    if (r.status !== 200) throw new Error(`list users: ${r.status} ${JSON.stringify(r.body)}`);
    const page = (r.body.Resources ?? []) as Array<Record<string, unknown>>;
    for (const u of page) out.set(u.userName as string, u);
    if (page.length < 1000) return out;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
