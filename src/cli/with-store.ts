/** Opens the database for a tenants command and always closes it. */
import type { Config } from '../config.ts';
import { databaseLabel, openStoreFromConfig } from '../app/store-factory.ts';
import type { Store } from '../store/store.ts';
import { CliError } from './errors.ts';

export async function withStore<T>(config: Config, fn: (store: Store) => Promise<T>): Promise<T> {
  let store: Store;
  try {
    store = await openStoreFromConfig(config);
  } catch (e) {
    throw new CliError('E_DATABASE', `cannot open the database ${databaseLabel(config)}: ${(e as Error).message}`);
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

/**
 * The config with the public URL a command prints (docs/cli.md "Public URL"):
 * `--public-url` (or `ROSTER_PUBLIC_URL`) when given, else the URL the last
 * `roster serve` on this database recorded at start, else the default.
 */
export async function withServedUrl(store: Store, config: Config): Promise<Config> {
  if (config.publicUrl !== null) return config;
  const served = await store.servedUrl();
  return served === undefined ? config : { ...config, publicUrl: served };
}
