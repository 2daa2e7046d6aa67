/**
 * Translation of SQLite errors to ScimErrors at the store's edge (docs/principles.md rule 8).
 */
import { invalidValue, isScimError, serviceUnavailable, uniqueness } from '../../scim/errors.ts';
import type { ScimError } from '../../scim/errors.ts';

interface SqliteLikeError {
  readonly code?: unknown;
  readonly message?: unknown;
}

/**
 * Thrown by the `scim_live` SQL function (docs/storage.md "Query deadline") when a
 * query runs past its deadline; SQLite abandons the statement and the store answers
 * 503 with Retry-After (RFC 7644 §3.12).
 */
export class QueryDeadlineExceeded extends Error {
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(`query ran past its deadline of ${timeoutMs} ms`);
    this.name = 'QueryDeadlineExceeded';
    this.timeoutMs = timeoutMs;
  }
}

function codeOf(e: unknown): string {
  const code = (e as SqliteLikeError | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** True for errors that mean "the database cannot take writes right now". */
export function isUnavailable(code: string): boolean {
  return (
    code.startsWith('SQLITE_BUSY') ||
    code.startsWith('SQLITE_LOCKED') ||
    code.startsWith('SQLITE_FULL') ||
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_IOERR') ||
    code.startsWith('SQLITE_CANTOPEN') ||
    code.startsWith('SQLITE_PROTOCOL')
  );
}

/**
 * Maps a thrown value: unique violations → 409 `uniqueness` (RFC 7644 §3.3),
 * foreign-key violations → 400 `invalidValue`, disk full / read-only / I/O / busy,
 * and a query past its deadline → 503 (docs/reliability.md CF-5, CC-6). Anything else is returned unchanged (a bug → 500).
 */
export function mapSqliteError(e: unknown, what = 'resource'): unknown {
  if (isScimError(e)) return e;
  if (e instanceof QueryDeadlineExceeded) {
    return serviceUnavailable(
      `The query did not finish within ${e.timeoutMs / 1000} s and was stopped; retry later, or use a narrower filter (docs/storage.md "Query deadline")`,
    );
  }
  const code = codeOf(e);
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return uniqueness(`A ${what} with the same unique attribute value already exists`);
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    return invalidValue('A referenced resource does not exist');
  }
  if (isUnavailable(code)) {
    return serviceUnavailable('The database is temporarily unavailable; retry later');
  }
  return e;
}

/** Runs `fn`, mapping what it throws. */
export function mapped<T>(fn: () => T, what?: string): T {
  try {
    return fn();
  } catch (e) {
    throw mapSqliteError(e, what) as ScimError | Error;
  }
}
