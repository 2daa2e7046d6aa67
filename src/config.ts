/**
 * Every setting of Roster in one table (docs/principles.md rule 10): name, description,
 * default, unit, environment variables, command-line flag and parser.
 * `loadConfig` reads flags and environment once at start, validates everything,
 * rejects unknown flags and unknown `ROSTER_*` variables, and returns a frozen
 * `Config`. `--help` and docs/configuration.md are generated from this table.
 */
import {
  formatBytes,
  formatDuration,
  parseBoolean,
  parseByteSize,
  parseChoice,
  parseDatabaseUrl,
  parseDuration,
  parseHost,
  parseInteger,
  parsePath,
  parsePublicUrl,
  parseSwitch,
} from './config-parsers.ts';
import { readFileSync } from 'node:fs';
import { validateCatalogue } from './domain/role.ts';
import type { Permission } from './domain/role.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const SYNCHRONOUS_MODES = ['FULL', 'NORMAL'] as const;
export type SynchronousMode = (typeof SYNCHRONOUS_MODES)[number];

/** The validated, frozen configuration. Durations are in milliseconds, sizes in bytes. */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** Prometheus metrics at /metrics (docs/metrics.md). */
  readonly metrics: boolean;
  /** 0: /metrics on the main server (operator token); else a listener of its own on this port. */
  readonly metricsPort: number;
  readonly metricsHost: string;
  readonly db: string;
  /** PostgreSQL URL; when set the store is PostgreSQL and `db` is not used (docs/storage.md "PostgreSQL"). */
  readonly databaseUrl: string | null;
  /** Most PostgreSQL connections of one process. */
  readonly pgPoolMax: number;
  /** Longest wait for a PostgreSQL connection before a 503. */
  readonly pgConnectTimeoutMs: number;
  /** Public base URL without trailing slash; `null` = `http://localhost:<port>` (see `resolvePublicUrl`). */
  readonly publicUrl: string | null;
  readonly bodyLimit: number;
  readonly bulkMaxPayloadSize: number;
  readonly bodyDrainLimit: number;
  readonly bulkMaxOperations: number;
  readonly maxResults: number;
  readonly defaultPageSize: number;
  /** List/search responses carry a group's `members` (a user's `groups`) only up to this many values. */
  readonly listMaxMembers: number;
  /** Most members one group may have (POST/PUT/PATCH/Bulk beyond it → 400). */
  readonly maxGroupMembers: number;
  readonly maxPatchOperations: number;
  readonly maxMultiValued: number;
  readonly filterMaxLength: number;
  readonly filterMaxDepth: number;
  readonly filterMaxCost: number;
  readonly requestTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly maxConnections: number;
  readonly tenantRateLimit: number;
  readonly tenantBurst: number;
  readonly tenantMaxInflight: number;
  readonly tenantTimeShare: number;
  readonly tenantTimeBurstMs: number;
  readonly shutdownTimeoutMs: number;
  readonly logLevel: LogLevel;
  readonly sqliteSynchronous: SynchronousMode;
  readonly sqliteBusyTimeoutMs: number;
  readonly sqliteGroupCommit: number;
  readonly queryTimeoutMs: number;
  readonly readerWorkers: number;
  readonly writeQueueMax: number;
  readonly writeQueueTimeoutMs: number;
  readonly keyMaxGraceMs: number;
  /** The platform's permission catalogue (docs/scim-api.md "Roles and permissions"). */
  readonly permissions: readonly Permission[];
  /** Audit rows older than this are deleted (docs/audit.md "Retention"); 0 keeps them forever. */
  readonly auditRetentionMs: number;
  /** How long outbox events stay readable in the feed (docs/events.md "Retention"); 0 = forever. */
  readonly eventsRetentionMs: number;
  /** How often in-process subscribers look for events committed by other processes (docs/embedding.md). */
  readonly eventsPollIntervalMs: number;
  /** Deliver webhooks from this process (docs/webhooks.md). */
  readonly webhooks: boolean;
  /** How often the webhook worker looks for due deliveries. */
  readonly webhooksPollIntervalMs: number;
  /** Timeout of one webhook request (name resolution, connection, answer). */
  readonly webhooksTimeoutMs: number;
  /** Allow webhook URLs on loopback, link-local and private addresses (docs/reliability.md AU-12). */
  readonly webhooksAllowPrivateNetworks: boolean;
}

export type SettingKey = keyof Config;

/** One row of the settings table. */
export interface Setting<K extends SettingKey = SettingKey> {
  readonly key: K;
  /** Long flag without the dashes: `port` → `--port`. */
  readonly flag: string;
  /** Environment variables, highest priority first (the flag beats all of them). */
  readonly env: readonly string[];
  readonly description: string;
  /** Unit shown in help and docs: `bytes`, `duration`, `count`, … */
  readonly unit: string;
  readonly default: Config[K];
  /** The default as a user would type it. */
  readonly defaultText: string;
  /** Placeholder in help: `--port PORT`. */
  readonly metavar: string;
  readonly parse: (raw: string) => Config[K];
}

const MiB = 1024 * 1024;
const DAY = 86_400_000;

/** Reads and validates the permission catalogue file of `--permissions`. */
function parsePermissionsFile(raw: string): readonly Permission[] {
  if (raw === '') return Object.freeze([]);
  let text: string;
  try {
    text = readFileSync(parsePath(raw), 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${JSON.stringify(raw)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${JSON.stringify(raw)} is not valid JSON`);
  }
  return validateCatalogue(value);
}

function setting<K extends SettingKey>(s: Setting<K>): Setting<K> {
  return s;
}

/** The settings table. Order is the order of `--help` and the docs. */
export const SETTINGS = [
  setting({ key: 'port', flag: 'port', env: ['ROSTER_PORT', 'PORT'], unit: 'port', metavar: 'PORT', default: 8080, defaultText: '8080',
    description: 'TCP port to listen on; 0 picks a free port (the first log line says which).', parse: parseInteger(0, 65535) }),
  setting({ key: 'host', flag: 'host', env: ['ROSTER_HOST'], unit: 'address', metavar: 'HOST', default: '127.0.0.1', defaultText: '127.0.0.1',
    description: 'Address to listen on. Loopback by default: Roster speaks plain HTTP and belongs behind a TLS proxy (RFC 7644 §7.2); use 0.0.0.0 in a container.', parse: parseHost }),
  setting({ key: 'metrics', flag: 'metrics', env: ['ROSTER_METRICS'], unit: 'on/off', metavar: 'on|off', default: true, defaultText: 'on',
    description: 'Prometheus metrics at /metrics: SCIM requests by route template, latency, write-lock waits, outbox lag (docs/metrics.md).', parse: parseSwitch }),
  setting({ key: 'metricsPort', flag: 'metrics-port', env: ['ROSTER_METRICS_PORT'], unit: 'port', metavar: 'PORT', default: 0, defaultText: '0',
    description: '0: /metrics on the main port, for operator tokens only; otherwise a listener of its own on this port (no token; see --metrics-host).', parse: parseInteger(0, 65535) }),
  setting({ key: 'metricsHost', flag: 'metrics-host', env: ['ROSTER_METRICS_HOST'], unit: 'address', metavar: 'HOST', default: '127.0.0.1', defaultText: '127.0.0.1',
    description: 'Address of the metrics listener when --metrics-port is set; loopback by default, since it has no authentication.', parse: parseHost }),
  setting({ key: 'db', flag: 'db', env: ['ROSTER_DB'], unit: 'path', metavar: 'FILE', default: './data/roster.db', defaultText: './data/roster.db',
    description: 'SQLite database file (created with its directory if missing); serve and the tenants commands may share it.', parse: parsePath }),
  setting({ key: 'databaseUrl', flag: 'database-url', env: ['ROSTER_DATABASE_URL', 'DATABASE_URL'], unit: 'URL', metavar: 'URL', default: null, defaultText: '(none: SQLite)',
    description: 'PostgreSQL 14+ connection URL (postgres:// or postgresql://); when set, Roster keeps everything in that database instead of the --db file, and several processes may share it (docs/storage.md "PostgreSQL").', parse: parseDatabaseUrl }),
  setting({ key: 'pgPoolMax', flag: 'pg-pool-max', env: ['ROSTER_PG_POOL_MAX'], unit: 'count', metavar: 'N', default: 10, defaultText: '10',
    description: 'Most PostgreSQL connections one process opens; requests past them wait for a free one (see --pg-connect-timeout). Keep processes × N under the server\'s max_connections.', parse: parseInteger(1, 1000) }),
  setting({ key: 'pgConnectTimeoutMs', flag: 'pg-connect-timeout', env: ['ROSTER_PG_CONNECT_TIMEOUT'], unit: 'duration', metavar: 'DURATION', default: 5000, defaultText: '5s',
    description: 'Longest wait for a PostgreSQL connection, new or from the pool; past it the request gets 503 with Retry-After, so a database that is down never hangs requests.', parse: parseDuration(100, 10 * 60_000) }),
  setting({ key: 'publicUrl', flag: 'public-url', env: ['ROSTER_PUBLIC_URL'], unit: 'URL', metavar: 'URL', default: null, defaultText: 'http://localhost:<port>',
    description: 'Public base URL clients reach Roster at (http or https, no query or fragment); used in SCIM base URLs and meta.location.', parse: parsePublicUrl }),
  setting({ key: 'bodyLimit', flag: 'body-limit', env: ['ROSTER_BODY_LIMIT'], unit: 'bytes', metavar: 'SIZE', default: MiB, defaultText: '1048576',
    description: 'Largest request body; larger bodies get 413 while streaming (Bulk uses --bulk-max-payload-size).', parse: parseByteSize(1024, 64 * MiB) }),
  setting({ key: 'bulkMaxPayloadSize', flag: 'bulk-max-payload-size', env: ['ROSTER_BULK_MAX_PAYLOAD_SIZE'], unit: 'bytes', metavar: 'SIZE', default: MiB, defaultText: '1048576',
    description: 'Largest /Bulk request body (ServiceProviderConfig bulk.maxPayloadSize, RFC 7644 §3.7.4).', parse: parseByteSize(1024, 64 * MiB) }),
  setting({ key: 'bodyDrainLimit', flag: 'body-drain-limit', env: ['ROSTER_BODY_DRAIN_LIMIT'], unit: 'bytes', metavar: 'SIZE', default: 8 * MiB, defaultText: '8388608',
    description: 'After a 413, how much of a too-large body is read and discarded (for at most 5 s) so the client receives the 413 before the connection closes; a larger body is cut.', parse: parseByteSize(0, 256 * MiB) }),
  setting({ key: 'bulkMaxOperations', flag: 'bulk-max-operations', env: ['ROSTER_BULK_MAX_OPERATIONS'], unit: 'count', metavar: 'N', default: 1000, defaultText: '1000',
    description: 'Most operations in one /Bulk request (ServiceProviderConfig bulk.maxOperations).', parse: parseInteger(1, 100_000) }),
  setting({ key: 'maxResults', flag: 'max-results', env: ['ROSTER_MAX_RESULTS'], unit: 'count', metavar: 'N', default: 1000, defaultText: '1000',
    description: 'Largest page a list or search returns; a larger count is capped (ServiceProviderConfig filter.maxResults, RFC 7644 §3.4.2.4).', parse: parseInteger(1, 100_000) }),
  setting({ key: 'defaultPageSize', flag: 'default-page-size', env: ['ROSTER_DEFAULT_PAGE_SIZE'], unit: 'count', metavar: 'N', default: 100, defaultText: '100',
    description: 'Page size when a request gives no count (at most --max-results).', parse: parseInteger(1, 100_000) }),
  setting({ key: 'listMaxMembers', flag: 'list-max-members', env: ['ROSTER_LIST_MAX_MEMBERS'], unit: 'count', metavar: 'N', default: 1000, defaultText: '1000',
    description: 'In list and search responses, a group with more members (a user in more groups) comes without members (groups); GET by id returns them all (RFC 7644 §3.4.2).', parse: parseInteger(0, 100_000) }),
  setting({ key: 'maxGroupMembers', flag: 'max-group-members', env: ['ROSTER_MAX_GROUP_MEMBERS'], unit: 'count', metavar: 'N', default: 1_000_000, defaultText: '1000000',
    description: 'Most members one group may have; a POST, PUT, PATCH or Bulk operation that would pass it gets 400 invalidValue and changes nothing.', parse: parseInteger(1, 100_000_000) }),
  setting({ key: 'maxPatchOperations', flag: 'max-patch-operations', env: ['ROSTER_MAX_PATCH_OPERATIONS'], unit: 'count', metavar: 'N', default: 1000, defaultText: '1000',
    description: 'Most Operations in one PATCH request; more get 400.', parse: parseInteger(1, 100_000) }),
  setting({ key: 'maxMultiValued', flag: 'max-multi-valued', env: ['ROSTER_MAX_MULTI_VALUED'], unit: 'count', metavar: 'N', default: 1000, defaultText: '1000',
    description: 'Most values of one multi-valued attribute of a resource (emails, roles, …; not Group members); more get 400 invalidValue on POST, PUT, PATCH and Bulk. Advertised in /ServiceProviderConfig.', parse: parseInteger(1, 100_000) }),
  setting({ key: 'filterMaxLength', flag: 'filter-max-length', env: ['ROSTER_FILTER_MAX_LENGTH'], unit: 'characters', metavar: 'N', default: 2048, defaultText: '2048',
    description: 'Longest filter expression accepted; longer ones get 400 invalidFilter. Identity providers send filters well under 1 KiB (docs/filters.md "Caps").', parse: parseInteger(16, 1_048_576) }),
  setting({ key: 'filterMaxDepth', flag: 'filter-max-depth', env: ['ROSTER_FILTER_MAX_DEPTH'], unit: 'levels', metavar: 'N', default: 32, defaultText: '32',
    description: 'Deepest nesting of parentheses, not(...) and [...] in a filter; deeper gets 400 invalidFilter.', parse: parseInteger(1, 256) }),
  setting({ key: 'filterMaxCost', flag: 'filter-max-cost', env: ['ROSTER_FILTER_MAX_COST'], unit: 'cost', metavar: 'N', default: 100, defaultText: '100',
    description: 'Largest cost of a compiled filter (a column comparison 1, a JSON attribute 2, a comparison inside a multi-valued attribute 10); costlier filters get 400 invalidFilter (docs/filters.md "Caps").', parse: parseInteger(1, 1_000_000) }),
  setting({ key: 'requestTimeoutMs', flag: 'request-timeout', env: ['ROSTER_REQUEST_TIMEOUT'], unit: 'duration', metavar: 'DURATION', default: 30_000, defaultText: '30s',
    description: 'Time a client has to send a whole request (headers and body) before the connection is cut (slow clients, RL-7).', parse: parseDuration(1000, DAY) }),
  setting({ key: 'headersTimeoutMs', flag: 'headers-timeout', env: ['ROSTER_HEADERS_TIMEOUT'], unit: 'duration', metavar: 'DURATION', default: 10_000, defaultText: '10s',
    description: 'Time a client has to send the request headers (Slowloris, RL-7); at most --request-timeout.', parse: parseDuration(100, DAY) }),
  setting({ key: 'keepAliveTimeoutMs', flag: 'keep-alive-timeout', env: ['ROSTER_KEEP_ALIVE_TIMEOUT'], unit: 'duration', metavar: 'DURATION', default: 5000, defaultText: '5s',
    description: 'How long an idle keep-alive connection stays open (set above your proxy\'s idle timeout).', parse: parseDuration(0, DAY) }),
  setting({ key: 'maxConnections', flag: 'max-connections', env: ['ROSTER_MAX_CONNECTIONS'], unit: 'count', metavar: 'N', default: 1000, defaultText: '1000',
    description: 'Most open client connections; further connections are closed at once (RL-8). Keep it below the open-files limit (ulimit -n).', parse: parseInteger(1, 1_000_000) }),
  setting({ key: 'tenantRateLimit', flag: 'tenant-rate-limit', env: ['ROSTER_TENANT_RATE_LIMIT'], unit: 'requests/s', metavar: 'N', default: 100, defaultText: '100',
    description: 'Sustained requests per second per tenant (token bucket, after authentication); above it 429 with Retry-After (LD-2). 0 turns the limit off.', parse: parseInteger(0, 1_000_000) }),
  setting({ key: 'tenantBurst', flag: 'tenant-burst', env: ['ROSTER_TENANT_BURST'], unit: 'requests', metavar: 'N', default: 200, defaultText: '200',
    description: 'Requests a tenant may send at once above --tenant-rate-limit (the token bucket size; at least the rate).', parse: parseInteger(1, 1_000_000) }),
  setting({ key: 'tenantMaxInflight', flag: 'tenant-max-inflight', env: ['ROSTER_TENANT_MAX_INFLIGHT'], unit: 'count', metavar: 'N', default: 32, defaultText: '32',
    description: 'Requests of one tenant being served at the same time; more get 429 with Retry-After (LD-2). 0 turns the limit off.', parse: parseInteger(0, 100_000) }),
  setting({ key: 'tenantTimeShare', flag: 'tenant-time-share', env: ['ROSTER_TENANT_TIME_SHARE'], unit: 'percent', metavar: 'N', default: 50, defaultText: '50',
    description: "Percent of the server's time one tenant may use over time (each request is charged its share of the thread while it ran); past it 429 with Retry-After until the time is earned back (LD-2). 0 turns the limit off.", parse: parseInteger(0, 100) }),
  setting({ key: 'tenantTimeBurstMs', flag: 'tenant-time-burst', env: ['ROSTER_TENANT_TIME_BURST'], unit: 'duration', metavar: 'DURATION', default: 2000, defaultText: '2s',
    description: "Server time a tenant may use at once before --tenant-time-share applies (the size of its time bucket).", parse: parseDuration(1, 10 * 60_000) }),
  setting({ key: 'shutdownTimeoutMs', flag: 'shutdown-timeout', env: ['ROSTER_SHUTDOWN_TIMEOUT'], unit: 'duration', metavar: 'DURATION', default: 10_000, defaultText: '10s',
    description: 'On SIGTERM/SIGINT, how long in-flight requests may take to finish before connections are closed (CF-6).', parse: parseDuration(0, DAY) }),
  setting({ key: 'logLevel', flag: 'log-level', env: ['ROSTER_LOG_LEVEL'], unit: 'level', metavar: 'LEVEL', default: 'info', defaultText: 'info',
    description: `Log level of the JSON logs on stdout: ${LOG_LEVELS.join(', ')}.`, parse: parseChoice(LOG_LEVELS) }),
  setting({ key: 'sqliteSynchronous', flag: 'sqlite-synchronous', env: ['ROSTER_SQLITE_SYNCHRONOUS'], unit: 'mode', metavar: 'MODE', default: 'FULL', defaultText: 'FULL',
    description: 'SQLite durability: FULL survives power loss; NORMAL is faster but may lose the last commits on an OS crash or power loss (never corrupts; CF-2).', parse: parseChoice(SYNCHRONOUS_MODES) }),
  setting({ key: 'sqliteBusyTimeoutMs', flag: 'sqlite-busy-timeout', env: ['ROSTER_SQLITE_BUSY_TIMEOUT'], unit: 'duration', metavar: 'DURATION', default: 5000, defaultText: '5s',
    description: 'How long a SQLite writer waits for the write lock held by another process (CC-6).', parse: parseDuration(0, 10 * 60_000) }),
  setting({ key: 'sqliteGroupCommit', flag: 'sqlite-group-commit', env: ['ROSTER_SQLITE_GROUP_COMMIT'], unit: 'count', metavar: 'N', default: 16, defaultText: '16',
    description: 'Most write transactions one SQLite COMMIT (one fsync) covers: writes that reach the store in the same turn of the event loop share it, each still atomic and answered only once committed. 1 commits each alone (docs/storage.md "Group commit").', parse: parseInteger(1, 1000) }),
  setting({ key: 'queryTimeoutMs', flag: 'query-timeout', env: ['ROSTER_QUERY_TIMEOUT'], unit: 'duration', metavar: 'DURATION', default: 2000, defaultText: '2s',
    description: 'Deadline of one list or search query; past it the request gets 503 with Retry-After. The server is busy until then, for every tenant (docs/storage.md "Query deadline").', parse: parseDuration(1, 10 * 60_000) }),
  setting({ key: 'readerWorkers', flag: 'reader-workers', env: ['ROSTER_READER_WORKERS'], unit: 'count', metavar: 'N', default: 1, defaultText: '1',
    description: 'Worker threads that run expensive list and search queries (a multi-valued filter, a page over 100) off the main thread, so they do not stall other tenants; 0 runs every query on the main thread (docs/storage.md "Reader workers").', parse: parseInteger(0, 16) }),
  setting({ key: 'writeQueueMax', flag: 'write-queue-max', env: ['ROSTER_WRITE_QUEUE_MAX'], unit: 'count', metavar: 'N', default: 1000, defaultText: '1000',
    description: 'Write requests that may wait for the writer at once; more get 503 with Retry-After (RL-8).', parse: parseInteger(0, 1_000_000) }),
  setting({ key: 'writeQueueTimeoutMs', flag: 'write-queue-timeout', env: ['ROSTER_WRITE_QUEUE_TIMEOUT'], unit: 'duration', metavar: 'DURATION', default: 10_000, defaultText: '10s',
    description: 'How long a write request may wait for the writer; longer gets 503 with Retry-After (RL-8). 0 waits without limit.', parse: parseDuration(0, 10 * 60_000) }),
  setting({ key: 'keyMaxGraceMs', flag: 'key-max-grace', env: ['ROSTER_KEY_MAX_GRACE'], unit: 'duration', metavar: 'DURATION', default: 7 * DAY, defaultText: '7d',
    description: 'Longest --grace `tenants rotate-key` accepts: how long a rotated-out key may keep working (AU-6).', parse: parseDuration(0, 90 * DAY) }),
  setting({ key: 'permissions', flag: 'permissions', env: ['ROSTER_PERMISSIONS'], unit: 'path', metavar: 'FILE', default: Object.freeze([]), defaultText: '',
    description: 'JSON file with the platform\'s permission catalogue, [{"name", "description"}] (at most 1000; read and checked at start); empty: no permissions. Administrators grant these to roles; SCIM never does (AU-9).', parse: parsePermissionsFile }),
  setting({ key: 'auditRetentionMs', flag: 'audit-retention', env: ['ROSTER_AUDIT_RETENTION'], unit: 'duration', metavar: 'DURATION', default: 90 * DAY, defaultText: '90d',
    description: 'How long audit rows are kept; older ones are deleted in small batches while the server runs (docs/audit.md "Retention"). 0 keeps them forever.', parse: parseDuration(0, 100 * 365 * DAY) }),
  setting({ key: 'eventsRetentionMs', flag: 'events-retention', env: ['ROSTER_EVENTS_RETENTION'], unit: 'duration', metavar: 'DURATION', default: 30 * DAY, defaultText: '30d',
    description: 'How long outbox events stay in the events feed; older ones are deleted in small batches while the server runs, and a cursor before them gets 410 cursor_expired (docs/events.md "Retention"). 0 keeps them forever.', parse: parseDuration(0, 100 * 365 * DAY) }),
  setting({ key: 'eventsPollIntervalMs', flag: 'events-poll-interval', env: ['ROSTER_EVENTS_POLL_INTERVAL'], unit: 'duration', metavar: 'DURATION', default: 1000, defaultText: '1s',
    description: 'How often an in-process event subscriber (roster.on, roster.subscribe) reads the outbox for events committed by another process; this process\'s own commits wake it at once (docs/embedding.md).', parse: parseDuration(10, 10 * 60_000) }),
  setting({ key: 'webhooks', flag: 'webhooks', env: ['ROSTER_WEBHOOKS'], unit: 'boolean', metavar: 'BOOL', default: true, defaultText: 'true',
    description: 'Deliver webhooks from this process (docs/webhooks.md); false leaves delivery to other processes sharing the database. Endpoints can be registered either way.', parse: parseBoolean }),
  setting({ key: 'webhooksPollIntervalMs', flag: 'webhooks-poll-interval', env: ['ROSTER_WEBHOOKS_POLL_INTERVAL'], unit: 'duration', metavar: 'DURATION', default: 1000, defaultText: '1s',
    description: 'How often the webhook worker looks for events to deliver; an idle look is one indexed read.', parse: parseDuration(10, 60_000) }),
  setting({ key: 'webhooksTimeoutMs', flag: 'webhooks-timeout', env: ['ROSTER_WEBHOOKS_TIMEOUT'], unit: 'duration', metavar: 'DURATION', default: 10_000, defaultText: '10s',
    description: 'Longest webhook attempt (name resolution, connection, answer); past it the attempt failed and is retried (docs/webhooks.md "Retries").', parse: parseDuration(100, 60_000) }),
  setting({ key: 'webhooksAllowPrivateNetworks', flag: 'webhooks-allow-private-networks', env: ['ROSTER_WEBHOOKS_ALLOW_PRIVATE_NETWORKS'], unit: 'boolean', metavar: 'BOOL', default: false, defaultText: 'false',
    description: 'Allow webhook URLs that resolve to loopback, link-local, private, unique-local or CGNAT addresses (refused by default at registration and at each delivery; AU-12).', parse: parseBoolean }),
] as const satisfies readonly Setting[];

/** Default values of every setting. */
export const DEFAULTS: Config = Object.freeze(
  Object.fromEntries(SETTINGS.map((s) => [s.key, s.default])) as unknown as Config,
);

/** A bad flag, environment variable or value; the CLI exits with code 2. */
export class ConfigError extends Error {
  readonly code = 'E_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function findSettingByFlag(flag: string): Setting | undefined {
  return SETTINGS.find((s) => s.flag === flag);
}

export interface LoadConfigInput {
  /** Setting flags only: `--port 8080`, `--port=8080`. */
  readonly argv?: readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The settings the command uses; flags of other settings are rejected. Default: all. */
  readonly only?: readonly SettingKey[];
  /** Values that override flags and environment (tests, embedding). */
  readonly overrides?: Partial<Config>;
}

/**
 * Reads, validates and freezes the configuration. Precedence: `overrides` >
 * flag > environment (in the order the table lists) > default.
 * @throws ConfigError for an unknown flag, a missing value, an invalid value,
 *   an unknown `ROSTER_*` environment variable or inconsistent settings.
 */
export function loadConfig(input: LoadConfigInput = {}): Config {
  const env = input.env ?? {};
  const allowed = new Set<SettingKey>(input.only ?? SETTINGS.map((s) => s.key));
  const fromFlags = new Map<SettingKey, string>();
  const argv = input.argv ?? [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const m = /^--([a-z][a-z0-9-]*)(?:=([\s\S]*))?$/.exec(arg);
    if (!m) throw new ConfigError(`unexpected argument "${arg}"`);
    const s = findSettingByFlag(m[1] ?? '');
    if (!s || !allowed.has(s.key)) throw new ConfigError(`unknown option --${m[1]}`);
    let value = m[2];
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new ConfigError(`option --${s.flag} needs a value (${s.metavar})`);
    }
    if (fromFlags.has(s.key)) throw new ConfigError(`option --${s.flag} given twice`);
    fromFlags.set(s.key, value);
  }
  const knownEnv = new Set(SETTINGS.flatMap((s) => s.env));
  for (const name of Object.keys(env)) {
    if (name.startsWith('ROSTER_') && !knownEnv.has(name) && env[name] !== undefined) {
      throw new ConfigError(`unknown environment variable ${name}`);
    }
  }
  const out: Record<string, unknown> = { ...DEFAULTS };
  for (const s of SETTINGS) {
    if (!allowed.has(s.key)) continue;
    let source = `--${s.flag}`;
    let raw = fromFlags.get(s.key);
    if (raw === undefined) {
      const name = s.env.find((e) => env[e] !== undefined && env[e] !== '');
      if (name === undefined) continue;
      raw = env[name] ?? '';
      source = name;
    }
    try {
      out[s.key] = s.parse(raw);
    } catch (e) {
      throw new ConfigError(`invalid ${source}: ${(e as Error).message}`);
    }
  }
  Object.assign(out, input.overrides ?? {});
  const config = out as unknown as Config;
  if (config.defaultPageSize > config.maxResults) {
    throw new ConfigError(`--default-page-size (${config.defaultPageSize}) must not exceed --max-results (${config.maxResults})`);
  }
  if (config.tenantRateLimit > 0 && config.tenantBurst < config.tenantRateLimit) {
    throw new ConfigError(`--tenant-burst (${config.tenantBurst}) must be at least --tenant-rate-limit (${config.tenantRateLimit})`);
  }
  if (config.headersTimeoutMs > config.requestTimeoutMs) {
    throw new ConfigError(`--headers-timeout (${formatDuration(config.headersTimeoutMs)}) must not exceed --request-timeout (${formatDuration(config.requestTimeoutMs)})`);
  }
  return Object.freeze(config);
}

/** The public base URL: `--public-url`, else `http://localhost:<port>` (the actual port when known). */
export function resolvePublicUrl(config: Pick<Config, 'publicUrl' | 'port'>, actualPort?: number): string {
  return config.publicUrl ?? `http://localhost:${actualPort ?? config.port}`;
}

/** A setting's default as shown in help and docs. */
export function describeDefault(s: Setting): string {
  if (s.unit === 'bytes' && typeof s.default === 'number') return `${s.defaultText} (${formatBytes(s.default)})`;
  return s.defaultText;
}
