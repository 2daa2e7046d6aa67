/**
 * One PostgreSQL for a whole test run (docs/storage.md "Testing on PostgreSQL"), started
 * by `scripts/run-tests.mjs` for its PostgreSQL pass: the harness of
 * `src/store/postgres/embedded.test-support.ts` (or `DATABASE_URL` when set), its admin
 * URL printed as one JSON line; each test file then creates its own database on it.
 * Stops the cluster and exits when stdin closes (the runner ended or was killed) or on
 * SIGINT/SIGTERM; a SIGKILL leaves it to the harness's watchdog and sweep.
 */
import { startTestPostgres } from '../src/store/postgres/embedded.test-support.ts';

const pgsrv = await startTestPostgres();
// The harness hands out database URLs; the admin URL is the same server's `postgres` database.
const probe = new URL(await pgsrv.freshDatabaseUrl());
probe.pathname = '/postgres';
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void pgsrv.close().finally(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.stdout.write(`${JSON.stringify({ adminUrl: probe.toString() })}\n`);
