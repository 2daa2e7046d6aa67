/** `roster tenants create --name NAME --idp IDP [--json]` */
import { createTenant } from '../tenants/tenants.ts';
import { CliError } from './errors.ts';
import type { CommandContext } from './types.ts';
import { printJson, withServedUrl, withStore } from './with-store.ts';

export async function runTenantsCreate({ args, config, io }: CommandContext): Promise<number> {
  const name = args.options.name;
  const idp = args.options.idp;
  if (typeof name !== 'string') throw new CliError('E_USAGE', 'missing --name NAME');
  if (typeof idp !== 'string') throw new CliError('E_USAGE', 'missing --idp IDP');
  const created = await withStore(config, async (store) => createTenant(store, { name, idp }, await withServedUrl(store, config)));
  const { tenant } = created;
  if (args.options.json === true) {
    printJson(io.stdout, { ...tenant, scimBaseUrl: created.scimBaseUrl, apiKey: created.apiKey });
    return 0;
  }
  io.stdout.write(
    [
      `Created tenant "${tenant.name}" for ${tenant.idp}.`,
      '',
      `  Tenant id:      ${tenant.id}`,
      `  SCIM base URL:  ${created.scimBaseUrl}`,
      `  API key:        ${created.apiKey}`,
      '',
      'Enter the SCIM base URL and the API key (as a Bearer token) in your identity provider.',
      'The API key is shown only this once; if it is lost, run: roster tenants rotate-key ' + tenant.id,
      '',
    ].join('\n'),
  );
  return 0;
}
