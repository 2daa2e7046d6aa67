/**
 * One way to run a statement on PostgreSQL, over the pool (each statement on any
 * connection) or over one client (a transaction or a read snapshot). Strings are
 * encoded on the way in and decoded on the way out (`pg-text.ts`).
 *
 * Prepared statements: the store's own statements (fixed SQL text) are named, so
 * each connection parses and plans them once. Compiled list queries are not named:
 * their text is deterministic for a filter shape (docs/storage.md "Prepared
 * statements"), but `pg` keeps every named statement of a connection for its
 * lifetime, and filter shapes are unbounded; the unnamed statement costs one parse.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { decodeValue, encodeParam } from './pg-text.ts';

/** Runs statements on PostgreSQL. */
export interface Sql {
  /** Runs one statement; `prepare: false` for compiled (not fixed) SQL. Rows decoded. */
  rows<R>(text: string, values?: readonly unknown[], prepare?: boolean): Promise<R[]>;
  /** Runs one statement; the number of rows it wrote or returned. */
  count(text: string, values?: readonly unknown[]): Promise<number>;
}

const names = new Map<string, string>();

/** A stable statement name for fixed SQL text. */
function nameOf(text: string): string {
  let n = names.get(text);
  if (n === undefined) {
    n = `roster_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, n);
  }
  return n;
}

function decodeRows<R>(rows: Record<string, unknown>[]): R[] {
  for (const row of rows) for (const k of Object.keys(row)) row[k] = decodeValue(row[k]);
  return rows as R[];
}

/** A `Sql` over something with `pg`'s `query` (a pool or a client). */
export function sqlOf(db: pg.Pool | pg.PoolClient): Sql {
  const run = (text: string, values: readonly unknown[], prepare: boolean) =>
    db.query({ text, values: values.map(encodeParam), ...(prepare ? { name: nameOf(text) } : {}) });
  return {
    async rows<R>(text: string, values: readonly unknown[] = [], prepare = true): Promise<R[]> {
      return decodeRows<R>((await run(text, values, prepare)).rows as Record<string, unknown>[]);
    },
    async count(text: string, values: readonly unknown[] = []): Promise<number> {
      return (await run(text, values, true)).rowCount ?? 0;
    },
  };
}
