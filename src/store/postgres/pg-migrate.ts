/**
 * Versioned migrations on PostgreSQL (`migrations.ts`), applied at open while holding
 * a session advisory lock: processes that start at once queue on the lock, and each
 * finds the versions the first one applied already recorded (docs/storage.md
 * "PostgreSQL"). Every migration runs in one transaction with
 * its `schema_migrations` row: a failed migration leaves neither.
 */
import type pg from 'pg';
import type { Migration } from '../sqlite/migrations.ts';
import { pgMigrations } from './migrations.ts';

/** The advisory lock key of Roster's migrations (an arbitrary constant, the same in every process). */
export const MIGRATION_LOCK_KEY = 7_305_514_061;

/** Applies the migrations not yet recorded; returns the versions applied by this call. */
export async function migratePg(pool: pg.Pool, list: readonly Migration[] = pgMigrations): Promise<number[]> {
  const client = await pool.connect();
  let broken = false;
  try {
    // No statement deadline here: waiting for another process's migrations, or building an
    // index on a large table, may take longer than a request may (RESET restores it below).
    await client.query('SET statement_timeout = 0');
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
      const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      const applied: number[] = [];
      for (const m of list) {
        if (done.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, new Date().toISOString()]);
          await client.query('COMMIT');
        } catch (e) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${m.version} (${m.name}) failed: ${(e as Error).message}`, { cause: e });
        }
        applied.push(m.version);
      }
      return applied;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      await client.query('RESET statement_timeout');
    }
  } catch (e) {
    broken = true;
    throw e;
  } finally {
    // A session lock dies with its connection: a client in doubt is discarded.
    client.release(broken);
  }
}
