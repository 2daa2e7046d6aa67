/**
 * What the SQLite operations (`sqlite-ops.ts`) and the query reader (`sqlite-query.ts`)
 * share: the resources row and its mapping, pinned statements, query limits, and the
 * `SqliteReader` view of a connection that the query functions run on. Both import this
 * module and neither imports the other's internals, so there is no import cycle
 * (test/architecture.test.ts).
 */
import type { Transaction } from 'better-sqlite3';
import type { SchemaRegistry, ScimResource } from '../../scim/schema/types.ts';
import type { Member, ResourceKind } from '../../domain/resource.ts';
import { DEFAULT_FILTER_MAX_COST } from '../sql/filter-cost.ts';
import type { StoredResource } from '../store.ts';
import type { SqliteDb, StatementCache } from './connection.ts';

/** A resources row as selected by `RESOURCE_COLUMNS`. */
export interface ResourceRow {
  tenant_id: string;
  type: ResourceKind;
  id: string;
  data: string;
  version: number;
  created: string;
  last_modified: string;
}

/** The columns `ResourceRow` is read from, on the `resources` table aliased `r`. */
export { RESOURCE_COLUMNS } from '../sql/plan-query.ts';

/** A `resources` row as the Store contract returns it (the body parsed). */
export function rowToResource(row: ResourceRow): StoredResource {
  return {
    tenantId: row.tenant_id,
    type: row.type,
    id: row.id,
    data: JSON.parse(row.data) as ScimResource,
    version: row.version,
    created: row.created,
    lastModified: row.last_modified,
  };
}

/** Groups of a user as LoadedResource.groups renders them (RFC 7643 §4.1.2, direct only). */
export type UserGroup = { value: string; display?: string; type: 'direct' };

/** Statements whose query plans are pinned by query-plans.test.ts. */
export const SQL = {
  idKind: 'SELECT id, type FROM resources WHERE tenant_id = ? AND id = ?',
  idKinds: 'SELECT r.id, r.type FROM json_each(?) j CROSS JOIN resources r WHERE r.tenant_id = ? AND r.id = j.value',
  typeCount: 'SELECT n FROM resource_counts WHERE tenant_id = ? AND type = ?',
} as const;

/** Bounds on one query (docs/storage.md "Query deadline", docs/filters.md "Caps"). */
export interface QueryLimits {
  /** Largest compiled filter cost; past it 400 `invalidFilter`. */
  readonly filterMaxCost: number;
  /** How long one query (its page and its count) may run; past it 503. */
  readonly queryTimeoutMs: number;
  /** The clock of the deadline, in milliseconds (tests move it). */
  readonly now: () => number;
}

/** Default query limits: see `--filter-max-cost` and `--query-timeout` (src/config.ts). */
export const DEFAULT_QUERY_LIMITS: QueryLimits = Object.freeze({
  filterMaxCost: DEFAULT_FILTER_MAX_COST,
  queryTimeoutMs: 2000,
  now: () => performance.now(),
});

/** What the query functions of `sqlite-query.ts` use of one connection (`SqliteOps` provides it). */
export interface SqliteReader {
  readonly db: SqliteDb;
  readonly stmts: StatementCache;
  readonly registry: SchemaRegistry;
  readonly limits: QueryLimits;
  /** Runs a function in one transaction (`.deferred` for a read snapshot). */
  readonly snapshot: Transaction<(fn: () => unknown) => unknown>;
  /** Runs `fn` (one query's statements) under a deadline of `limits.queryTimeoutMs` from now. */
  withDeadline<T>(fn: () => T): T;
  /** Members of each group, by group id, ordered by member id. */
  loadMembers(tenantId: string, groupIds: readonly string[]): Map<string, Member[]>;
  /** Groups of each member, by member id, ordered by group id. */
  loadGroups(tenantId: string, memberIds: readonly string[]): Map<string, UserGroup[]>;
}
