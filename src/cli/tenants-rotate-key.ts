/** `roster tenants rotate-key ID [--grace DURATION] [--json]` */
import { parseDuration } from '../config-parsers.ts';
import { rotateKey } from '../tenants/tenants.ts';
import { CliError } from './errors.ts';
import type { CommandContext } from './types.ts';
import { printJson, withStore } from './with-store.ts';

export async function runTenantsRotateKey({ args, config, io }: CommandContext): Promise<number> {
  const id = args.positionals[0] ?? '';
  const graceText = args.options.grace;
  let graceMs = 0;
  if (typeof graceText === 'string') {
    try {
      graceMs = parseDuration(0, config.keyMaxGraceMs)(graceText);
    } catch (e) {
      throw new CliError('E_GRACE', `invalid --grace: ${(e as Error).message} (bounded by --key-max-grace)`);
    }
  }
  const rotated = await withStore(config, (store) => rotateKey(store, id, { graceMs }, config));
  if (args.options.json === true) {
    printJson(io.stdout, { id: rotated.tenant.id, apiKey: rotated.apiKey, previousKeysExpireAt: rotated.previousKeysExpireAt });
    return 0;
  }
  io.stdout.write(
    [
      `New API key for tenant ${rotated.tenant.id} ("${rotated.tenant.name}"):`,
      '',
      `  API key:  ${rotated.apiKey}`,
      '',
      graceMs === 0 ? 'The previous keys stopped working now.' : `The previous keys keep working until ${rotated.previousKeysExpireAt}.`,
      'The new key is shown only this once.',
      '',
    ].join('\n'),
  );
  return 0;
}
