/**
 * The Store contract suite on PostgreSQL (docs/principles.md rule 11), on a fresh
 * database per test (`embedded.test-support.ts`, or DATABASE_URL): the core contract
 * (with the event feed block), the tenant administration part and the webhook store.
 */
import { runStoreContract } from '../store-contract.test-support.ts';
import { runAdminStoreContract } from '../store-contract-admin.test-support.ts';
import { runWebhookStoreContract } from '../webhooks-contract.test-support.ts';
import { openTestStore, storeKinds } from '../test-stores.test-support.ts';

if (storeKinds().includes('postgres')) {
  runStoreContract('postgres', () => openTestStore('postgres'));
  runAdminStoreContract('postgres', () => openTestStore('postgres'));
  runWebhookStoreContract('postgres', () => openTestStore('postgres'));
}
