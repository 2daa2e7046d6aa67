// Child process for sqlite-store.test.ts: writes N users into the same file as the parent.
import { defaultRegistry } from '../../scim/schema/registry.ts';
import { userRes } from '../store-contract.test-support.ts';
import { openSqliteStore } from './sqlite-store.ts';

const [file, tenantId, count] = process.argv.slice(2) as [string, string, string];
const s = await openSqliteStore({ file, registry: defaultRegistry });
try {
  for (let i = 0; i < Number(count); i++) {
    await s.transaction(async (tx) => tx.insertResource(userRes(tenantId, `child${i}`)));
  }
} finally {
  await s.close();
}
