/** `roster tenants revoke-key ID [--json]` */
import { revokeKeys } from '../tenants/tenants.ts';
import type { CommandContext } from './types.ts';
import { printJson, withStore } from './with-store.ts';

/** Revokes every live key of the tenant and prints which (masked); exit 0 even when none was live. */
export async function runTenantsRevokeKey({ args, config, io }: CommandContext): Promise<number> {
  const id = args.positionals[0] ?? '';
  const r = await withStore(config, (store) => revokeKeys(store, id));
  if (args.options.json === true) {
    printJson(io.stdout, { id: r.tenant.id, revokedAt: r.revokedAt, revoked: r.revoked });
    return 0;
  }
  const lines =
    r.revoked.length === 0
      ? [`Tenant ${r.tenant.id} ("${r.tenant.name}") had no working API key; nothing was revoked.`]
      : [
          `Revoked ${r.revoked.length} API key${r.revoked.length === 1 ? '' : 's'} of tenant ${r.tenant.id} ("${r.tenant.name}") at ${r.revokedAt}:`,
          '',
          ...r.revoked.map((k) => `  ${k.key}  created ${k.createdAt}`),
          '',
          'They stopped working now. The tenant has no working key until: roster tenants rotate-key ' + r.tenant.id,
        ];
  io.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
