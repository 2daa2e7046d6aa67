/**
 * The CLI's error catalogue: every stable error code, what it means and the
 * exit code it gives (0 success, 1 failure, 2 bad usage). Messages go to stderr
 * as `roster: <CODE>: <message>`.
 */
import { ConfigError } from '../config.ts';
import { TenantError } from '../tenants/errors.ts';

export const CLI_ERRORS = {
  E_USAGE: { exit: 2, meaning: 'Bad command line: unknown command or option, missing or invalid value, invalid setting.' },
  E_TENANT_NAME: { exit: 2, meaning: 'The tenant name is empty, longer than 200 characters or has control characters.' },
  E_TENANT_IDP: { exit: 2, meaning: 'The identity provider is not one of the supported names.' },
  E_GRACE: { exit: 2, meaning: 'The --grace duration is invalid or longer than --key-max-grace.' },
  E_SETUP_CHOICE: { exit: 2, meaning: 'Deleting a SCIM setup needs a choice for its users: keep, deactivate or delete.' },
  E_TENANT_NOT_FOUND: { exit: 1, meaning: 'No tenant has that id.' },
  E_KEY_NOT_FOUND: { exit: 1, meaning: 'The tenant has no live API key with that id.' },
  E_TOO_MANY_KEYS: { exit: 1, meaning: 'The tenant already holds the most live API keys allowed (10); revoke one first.' },
  E_DATABASE: { exit: 1, meaning: 'The database file could not be opened or used.' },
  E_LISTEN: { exit: 1, meaning: 'The server could not listen on the host and port (in use, or not allowed).' },
  E_INTERNAL: { exit: 1, meaning: 'An unexpected error (a bug): the message says what failed.' },
} as const;

export type CliErrorCode = keyof typeof CLI_ERRORS;

export class CliError extends Error {
  readonly code: CliErrorCode;
  constructor(code: CliErrorCode, message: string) {
    super(message);
    this.name = 'CliError';
    this.code = code;
  }
  get exitCode(): number {
    return CLI_ERRORS[this.code].exit;
  }
}

/** Maps anything thrown by a command to a `CliError`. */
export function toCliError(e: unknown): CliError {
  if (e instanceof CliError) return e;
  if (e instanceof ConfigError) return new CliError('E_USAGE', e.message);
  if (e instanceof TenantError) return new CliError(e.code, e.message);
  const err = e as { code?: unknown; message?: unknown };
  if (typeof err?.code === 'string' && (err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL')) {
    return new CliError('E_LISTEN', String(err.message));
  }
  if (typeof err?.code === 'string' && err.code.startsWith('SQLITE_')) return new CliError('E_DATABASE', String(err.message));
  return new CliError('E_INTERNAL', e instanceof Error ? e.message : String(e));
}
