/** `roster tenants list [--json]` */
import { listTenants } from '../tenants/tenants.ts';
import type { CommandContext } from './types.ts';
import { printJson, withServedUrl, withStore } from './with-store.ts';

export async function runTenantsList({ args, config, io }: CommandContext): Promise<number> {
  const tenants = await withStore(config, async (store) => listTenants(store, await withServedUrl(store, config)));
  if (args.options.json === true) {
    printJson(io.stdout, { tenants });
    return 0;
  }
  if (tenants.length === 0) {
    io.stdout.write('No tenants yet. Create one with: roster tenants create --name NAME --idp IDP\n');
    return 0;
  }
  for (const t of tenants) {
    io.stdout.write(`${t.id}  ${t.idp.padEnd(9)}  ${t.name}\n  SCIM base URL: ${t.scimBaseUrl}\n  created ${t.createdAt}\n`);
    for (const k of t.keys) {
      const state = k.active ? (k.expiresAt === null ? 'active' : `active until ${k.expiresAt}`) : `expired ${k.expiresAt}`;
      io.stdout.write(`  key ${k.key}  ${state}\n`);
    }
  }
  return 0;
}
