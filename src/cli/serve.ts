/**
 * `roster serve`: builds Roster from the config (`src/app/roster.ts`), starts the HTTP server, and on SIGTERM or
 * SIGINT shuts down gracefully (CF-6). The first log line names the address
 * actually listened on (so `--port 0` can be used by scripts and tests).
 */
import { pino } from 'pino';
import { createLogger, createRoster } from '../app/roster.ts';
import type { Roster } from '../app/roster.ts';
import { databaseLabel } from '../app/store-factory.ts';
import { looseDatabaseFiles } from '../store/sqlite/connection.ts';
import type { SqliteStore } from '../store/sqlite/sqlite-store.ts';
import { CliError, toCliError } from './errors.ts';
import type { CommandContext } from './types.ts';

export async function runServe({ config, io }: CommandContext): Promise<number> {
  // The process's own stdout is written asynchronously (a pipe is synchronous on
  // Linux, and one blocking write per request line costs the event loop); writes
  // queue while one is in flight, and the queue is flushed on shutdown.
  const stream = io.stdout === process.stdout ? pino.destination({ dest: 1, sync: false }) : undefined;
  const logger = createLogger({ level: config.logLevel, destination: stream ?? { write: (line: string) => io.stdout.write(line) } });
  let roster: Roster;
  try {
    roster = await createRoster(config, { logger });
  } catch (e) {
    const err = toCliError(e);
    throw err.code === 'E_INTERNAL' ? new CliError('E_DATABASE', `cannot open the database ${databaseLabel(config)}: ${err.message}`) : err;
  }
  let addr;
  try {
    addr = await roster.listen();
  } catch (e) {
    await roster.store.close();
    throw new CliError('E_LISTEN', `cannot listen on ${config.host}:${config.port}: ${(e as Error).message}`);
  }
  const publicUrl = roster.publicUrl();
  // docs/cli.md "Public URL": the CLI on this database prints the URL really served (port 0, --port 9000).
  try {
    await roster.store.recordServedUrl(publicUrl);
  } catch (e) {
    logger.warn({ err: e }, 'could not record the public URL in the database; the CLI will print its default');
  }
  logger.info({ host: addr.host, port: addr.port, url: addr.url }, `Roster listening on ${addr.url}`);
  if (config.metrics) {
    const at = config.metricsPort > 0 ? `http://${config.metricsHost}:${config.metricsPort}/metrics` : `${addr.url}/metrics (operator token)`;
    logger.info({ metrics: at }, `Prometheus metrics at ${at}`); // docs/metrics.md
  }
  const postgres = roster.store.dialect === 'postgres';
  const dbFlag = postgres ? ' --database-url URL' : config.db === './data/roster.db' ? '' : ` --db ${config.db}`;
  logger.info(
    { scimBaseUrl: `${publicUrl}/scim/v2`, tenantScimBaseUrl: `${publicUrl}/scim/v2/{tenantId}` },
    `SCIM API at ${publicUrl}/scim/v2/{tenantId} (or ${publicUrl}/scim/v2 with any tenant's key). ` +
      `Create a client with: roster tenants create --name NAME --idp IDP${dbFlag}`,
  );
  // CF-2: the durability actually in effect, read back from the database.
  const effective = 'settings' in roster.store ? (roster.store as SqliteStore).settings : undefined;
  const synchronous = effective?.synchronous ?? config.sqliteSynchronous;
  if (postgres) logger.info({ db: databaseLabel(config), poolMax: config.pgPoolMax }, 'PostgreSQL store (durability is the server\'s synchronous_commit)');
  else logger.info(
    { db: config.db, journalMode: effective?.journalMode, synchronous },
    synchronous === 'FULL'
      ? 'SQLite synchronous=FULL: committed changes survive power loss'
      : 'SQLite synchronous=NORMAL: the last commits may be lost on an OS crash or power loss (the file is never corrupted)',
  );
  // Files Roster creates are owner-only; an existing file is never chmod-ed behind the
  // operator's back, but said at every start (docs/storage.md, File permissions).
  for (const loose of postgres ? [] : looseDatabaseFiles(config.db)) {
    logger.warn(loose, `${loose.file} has mode ${loose.mode}: other users may read every tenant's data; run chmod 600 on it`);
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info({ signal, drainMs: config.shutdownTimeoutMs }, 'Shutting down: finishing in-flight requests');
  const force = (): void => {
    logger.warn('Second signal: exiting now');
    stream?.flushSync();
    process.exit(1);
  };
  process.once('SIGTERM', force).once('SIGINT', force);
  await roster.close();
  logger.info('Stopped');
  stream?.flushSync();
  process.off('SIGTERM', force).off('SIGINT', force);
  return 0;
}
