/**
 * Servers under test, each in its own child process (so its RSS is its own and
 * the load generator does not share its event loop). Logs go to a file. Each
 * server gets a free port chosen here (so any log level works) and is ready when
 * it answers HTTP on it.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = new URL('..', import.meta.url).pathname;

export interface ServerProc {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Per-tenant SCIM base path: `/scim/v2/<tenantId>`. */
  readonly basePath: string;
  readonly logFile: string;
  /** Resident set size now and its peak (VmHWM), in bytes, from /proc/<pid>/status. */
  memory(): { rss: number; peak: number };
  stop(): Promise<void>;
}

export interface SpawnOptions {
  readonly name: string;
  readonly tenantId: string;
  readonly logDir: string;
  readonly args: readonly string[];
  readonly env?: Record<string, string>;
}

function readMemory(pid: number): { rss: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    // Not Linux (no /proc): report nothing rather than a wrong number.
    return { rss: 0, peak: 0 };
  }
}

/** A free loopback port (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Waits until `GET /healthz` (Roster) or any HTTP answer (ceiling) comes back on the port. */
async function waitForPort(child: ChildProcess, port: number, logFile: string, name: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    try {
      await fetch(`http://127.0.0.1:${port}/healthz`);
      return;
    } catch {
      await sleep(50);
    }
  }
  const tail = readFileSync(logFile, 'utf8').slice(-2000);
  child.kill('SIGKILL');
  throw new Error(`${name} did not start (exit ${String(child.exitCode)}); log:\n${tail}`);
}

/** Starts `node <args>` in the repository root and waits for its port. */
export async function startServer(opts: SpawnOptions & { port: number }): Promise<ServerProc> {
  const { port } = opts;
  const logFile = join(opts.logDir, `${opts.name}.log`);
  const fd = openSync(logFile, 'w');
  const child = spawn(process.execPath, [...opts.args], {
    cwd: ROOT,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, ...opts.env },
  });
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForPort(child, port, logFile, opts.name);
  const pid = child.pid as number;
  return {
    name: opts.name,
    pid,
    port,
    origin: `http://127.0.0.1:${port}`,
    basePath: `/scim/v2/${opts.tenantId}`,
    logFile,
    memory: () => readMemory(pid),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Roster itself: `bin/roster serve` on a free port against `db`. */
export async function startRoster(o: { db: string; tenantId: string; logDir: string; synchronous: string; logLevel: string; name: string; cpuProfDir?: string; args?: readonly string[] }): Promise<ServerProc> {
  const port = await freePort();
  const prof = o.cpuProfDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', o.cpuProfDir];
  return startServer({
    name: o.name,
    tenantId: o.tenantId,
    logDir: o.logDir,
    port,
    args: [...prof, join(ROOT, 'bin/roster'), 'serve', '--port', String(port), '--host', '127.0.0.1', '--db', o.db, '--sqlite-synchronous', o.synchronous, '--log-level', o.logLevel, ...(o.args ?? [])],
  });
}

/** Roster on PostgreSQL: `bin/roster serve --database-url` on a free port. */
export async function startRosterPg(o: { url: string; tenantId: string; logDir: string; logLevel: string; name: string; args?: readonly string[] }): Promise<ServerProc> {
  const port = await freePort();
  return startServer({
    name: o.name,
    tenantId: o.tenantId,
    logDir: o.logDir,
    port,
    args: [join(ROOT, 'bin/roster'), 'serve', '--port', String(port), '--host', '127.0.0.1', '--database-url', o.url, '--log-level', o.logLevel, ...(o.args ?? [])],
  });
}

/** The bare ceiling (`bench/ceiling.ts`) against `db`. */
export async function startCeiling(o: { db: string; tenantId: string; apiKey: string; logDir: string; synchronous: string; name: string }): Promise<ServerProc> {
  const port = await freePort();
  return startServer({
    port,
    name: o.name,
    tenantId: o.tenantId,
    logDir: o.logDir,
    args: ['--import', 'tsx', join(ROOT, 'bench/ceiling.ts'), o.db, String(port)],
    env: { BENCH_TENANT: o.tenantId, BENCH_SYNCHRONOUS: o.synchronous },
  });
}
