/** Opens the database for a tenants command and always closes it. */
import type { Config } from '../config.ts';
import { openStoreFromConfig } from '../app/store-factory.ts';
import type { Store } from '../store/store.ts';
import { CliError } from './errors.ts';

export async function withStore<T>(config: Config, fn: (store: Store) => Promise<T>): Promise<T> {
  let store: Store;
  try {
    store = await openStoreFromConfig(config);
  } catch (e) {
    throw new CliError('E_DATABASE', `cannot open the database ${config.db}: ${(e as Error).message}`);
  }
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Writes one JSON object on one line. */
export function printJson(out: { write(text: string): unknown }, value: unknown): void {
  out.write(`${JSON.stringify(value)}\n`);
}
