/**
 * The command table: what `roster` can do. Help is generated from it and from
 * the settings table; each command accepts only the flags of the settings it uses.
 */
import { SETTINGS } from '../config.ts';
import type { SettingKey } from '../config.ts';
import { IDPS } from '../domain/tenant.ts';
import type { CommandSpec } from './types.ts';

const DB_SETTINGS: readonly SettingKey[] = ['db', 'databaseUrl', 'pgPoolMax', 'pgConnectTimeoutMs', 'sqliteSynchronous', 'sqliteBusyTimeoutMs', 'sqliteGroupCommit'];
const URL_SETTINGS: readonly SettingKey[] = ['publicUrl', 'port'];
const JSON_OPTION = { flag: 'json', description: 'Print exactly one JSON object instead of text.' };

export const COMMANDS: readonly CommandSpec[] = [
  {
    words: ['serve'],
    summary: 'Run the SCIM server.',
    positionals: [],
    options: [],
    settings: SETTINGS.map((s) => s.key),
    notes: [
      'The first log line gives the address actually listened on (useful with --port 0).',
      'SIGTERM or SIGINT stops accepting connections and lets in-flight requests finish (--shutdown-timeout).',
    ],
    run: async () => (await import('./serve.ts')).runServe,
  },
  {
    words: ['tenants', 'create'],
    summary: 'Create a tenant (one identity provider connection) and print its SCIM base URL and API key, once.',
    positionals: [],
    options: [
      { flag: 'name', metavar: 'NAME', description: 'Display name of the tenant (1 to 200 characters).' },
      { flag: 'idp', metavar: 'IDP', description: `Identity provider: ${IDPS.join(', ')}.` },
      JSON_OPTION,
    ],
    settings: [...DB_SETTINGS, ...URL_SETTINGS],
    notes: ['The API key is shown only here; afterwards only its id and last 4 characters are shown.'],
    run: async () => (await import('./tenants-create.ts')).runTenantsCreate,
  },
  {
    words: ['tenants', 'list'],
    summary: 'List tenants with their SCIM base URL and keys (id and last 4 characters only).',
    positionals: [],
    options: [JSON_OPTION],
    settings: [...DB_SETTINGS, ...URL_SETTINGS],
    run: async () => (await import('./tenants-list.ts')).runTenantsList,
  },
  {
    words: ['tenants', 'rotate-key'],
    summary: 'Issue a new API key for a tenant; the previous keys stop working at once, or after --grace.',
    positionals: [{ name: 'ID', description: 'The tenant id.' }],
    options: [
      { flag: 'grace', metavar: 'DURATION', description: 'Keep the previous keys working this long: 0 (default), 30m, 1h, 3600s … at most --key-max-grace.' },
      JSON_OPTION,
    ],
    settings: [...DB_SETTINGS, 'keyMaxGraceMs'],
    run: async () => (await import('./tenants-rotate-key.ts')).runTenantsRotateKey,
  },
  {
    words: ['tenants', 'revoke-key'],
    summary: 'Revoke every working API key of a tenant at once, without issuing a new one; prints what was revoked.',
    positionals: [{ name: 'ID', description: 'The tenant id.' }],
    options: [JSON_OPTION],
    settings: [...DB_SETTINGS],
    notes: ['The next request with a revoked key gets 401, in every server sharing the database. Issue a new key with: roster tenants rotate-key ID.'],
    run: async () => (await import('./tenants-revoke-key.ts')).runTenantsRevokeKey,
  },
  {
    words: ['tenants', 'delete'],
    summary: 'Delete a tenant with its keys, users and groups; its keys fail at once.',
    positionals: [{ name: 'ID', description: 'The tenant id.' }],
    options: [JSON_OPTION],
    settings: [...DB_SETTINGS],
    run: async () => (await import('./tenants-delete.ts')).runTenantsDelete,
  },
  {
    words: ['admin-token', 'create'],
    summary: 'Create an operator token for the admin API (/api/v1) and print it, once.',
    positionals: [],
    options: [JSON_OPTION],
    settings: [...DB_SETTINGS],
    notes: ['Send it as "Authorization: Bearer <token>" to /api/v1; only its digest is stored, so it is shown only here.'],
    run: async () => (await import('./admin-token-create.ts')).runAdminTokenCreate,
  },
];

/** The command named by the leading words of `argv`, and the remaining arguments. */
export function findCommand(argv: readonly string[]): { command: CommandSpec; rest: readonly string[] } | undefined {
  for (const command of COMMANDS) {
    if (command.words.every((w, i) => argv[i] === w)) return { command, rest: argv.slice(command.words.length) };
  }
  return undefined;
}
