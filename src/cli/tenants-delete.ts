/** `roster tenants delete ID [--json]` */
import { deleteTenant } from '../tenants/tenants.ts';
import type { CommandContext } from './types.ts';
import { printJson, withStore } from './with-store.ts';

export async function runTenantsDelete({ args, config, io }: CommandContext): Promise<number> {
  const id = args.positionals[0] ?? '';
  await withStore(config, (store) => deleteTenant(store, id));
  if (args.options.json === true) printJson(io.stdout, { id, deleted: true });
  else io.stdout.write(`Deleted tenant ${id} with its keys, users and groups.\n`);
  return 0;
}
