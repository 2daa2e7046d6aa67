// Child process for embedded.test.ts: starts the test PostgreSQL, prints its data folder
// and postmaster pid as one JSON line, then waits to be killed.
import { postmasterOf, startTestPostgres } from './embedded.test-support.ts';

const pgsrv = await startTestPostgres();
const dir = pgsrv.dataDir ?? '';
process.stdout.write(`${JSON.stringify({ dir, pid: postmasterOf(dir) })}\n`);
setInterval(() => undefined, 60_000);
