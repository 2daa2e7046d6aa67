/**
 * The Store contract suite on PostgreSQL (docs/principles.md rule 11), on a fresh
 * database per test (`embedded.test-support.ts`, or DATABASE_URL).
 */
import { runStoreContract } from '../store-contract.test-support.ts';
import { openTestStore, storeKinds } from '../test-stores.test-support.ts';

if (storeKinds().includes('postgres')) runStoreContract('postgres', () => openTestStore('postgres'));
