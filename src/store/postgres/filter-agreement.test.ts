/** docs/reliability.md IN-2 on PostgreSQL (`src/store/filter-agreement.test-support.ts`). */
import { runFilterAgreement } from '../filter-agreement.test-support.ts';
import { openTestStore, storeKinds } from '../test-stores.test-support.ts';

if (storeKinds().includes('postgres')) {
  runFilterAgreement('postgres', { open: () => openTestStore('postgres', { filterMaxCost: Number.MAX_SAFE_INTEGER }) });
}
