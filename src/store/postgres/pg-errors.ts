/**
 * Translation of PostgreSQL and connection errors to ScimErrors at the store's edge
 * (docs/principles.md rule 8): unique violations → 409 `uniqueness` (RFC 7644 §3.3),
 * foreign-key violations → 400 `invalidValue`; a statement past `statement_timeout`,
 * serialization failures and deadlocks left after the retries, and a database that is
 * down, restarting or refusing connections → 503 with Retry-After (RFC 7644 §3.12;
 * docs/storage.md "PostgreSQL"). Anything else is returned unchanged (a bug → 500).
 */
import { invalidValue, isScimError, serviceUnavailable, uniqueness } from '../../scim/errors.ts';

/** SQLSTATE of an error from `pg`, or its Node.js error code for a socket error. */
export function pgCode(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** Serialization failure and deadlock: the transaction may be run again. */
export function isRetryable(e: unknown): boolean {
  const code = pgCode(e);
  return code === '40001' || code === '40P01';
}

const NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
const MESSAGES = [/Connection terminated/i, /timeout exceeded when trying to connect/i, /not queryable/i, /Client was closed/i, /Connection ended/i];

/** True when the database cannot answer now (down, restarting, out of connections, read-only). */
export function isUnavailable(e: unknown): boolean {
  const code = pgCode(e);
  if (NODE_CODES.has(code)) return true;
  // Class 08 connection exception, 53 insufficient resources, 57P0x shutdown / cannot connect now,
  // 25006 read-only transaction (a standby), 55P03 lock not available.
  if (code.startsWith('08') || code.startsWith('53') || code.startsWith('57P') || code === '25006' || code === '55P03') return true;
  const message = (e as { message?: unknown } | null)?.message;
  return typeof message === 'string' && code === '' && MESSAGES.some((m) => m.test(message));
}

/** Maps a thrown value (see the module comment). */
export function mapPgError(e: unknown, what = 'resource', timeoutMs?: number): unknown {
  if (isScimError(e)) return e;
  const code = pgCode(e);
  if (code === '23505') return uniqueness(`A ${what} with the same unique attribute value already exists`);
  if (code === '23503') return invalidValue('A referenced resource does not exist');
  if (code === '57014') {
    const s = timeoutMs === undefined ? 'its deadline' : `${timeoutMs / 1000} s`;
    return serviceUnavailable(`The query did not finish within ${s} and was stopped; retry later, or use a narrower filter (docs/storage.md "Query deadline")`);
  }
  if (code === '55P03' && timeoutMs !== undefined) {
    return serviceUnavailable(`The write did not finish within ${timeoutMs / 1000} s: it waited that long for a row another change holds; retry later`);
  }
  if (isRetryable(e)) return serviceUnavailable('The database is busy with conflicting changes; retry later');
  if (isUnavailable(e)) return serviceUnavailable('The database is temporarily unavailable; retry later');
  return e;
}
