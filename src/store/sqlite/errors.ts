/**
 * Translation of SQLite errors to ScimErrors at the store's edge (DESIGN rule 8).
 */
import { invalidValue, isScimError, serviceUnavailable, uniqueness } from '../../scim/errors.ts';
import type { ScimError } from '../../scim/errors.ts';

interface SqliteLikeError {
  readonly code?: unknown;
  readonly message?: unknown;
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
 * foreign-key violations → 400 `invalidValue`, disk full / read-only / I/O / busy →
 * 503 (RELIABILITY CF-5, CC-6). Anything else is returned unchanged (a bug → 500).
 */
export function mapSqliteError(e: unknown, what = 'resource'): unknown {
  if (isScimError(e)) return e;
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
