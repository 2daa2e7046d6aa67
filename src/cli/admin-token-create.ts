/** `roster admin-token create [--json]` (docs/architecture.md, Admin API). */
import { createOperatorToken } from '../app/operator-tokens.ts';
import type { CommandContext } from './types.ts';
import { printJson, withStore } from './with-store.ts';

/** Creates an operator token and prints it once. */
export async function runAdminTokenCreate({ args, config, io }: CommandContext): Promise<number> {
  const created = await withStore(config, (store) => createOperatorToken(store));
  if (args.options.json === true) {
    printJson(io.stdout, { id: created.id, token: created.token, createdAt: created.createdAt });
    return 0;
  }
  io.stdout.write(
    [
      'Created an operator token for the admin API (/api/v1).',
      '',
      `  Token id:  ${created.id}`,
      `  Token:     ${created.token}`,
      '',
      'Send it as "Authorization: Bearer <token>". It is shown only this once.',
      '',
    ].join('\n'),
  );
  return 0;
}
