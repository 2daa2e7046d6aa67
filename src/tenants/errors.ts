/**
 * Errors of tenant administration, with stable codes (listed, with their exit
 * codes, in the CLI catalogue `src/cli/errors.ts`; the admin API will map them too).
 */
export type TenantErrorCode = 'E_TENANT_NAME' | 'E_TENANT_IDP' | 'E_TENANT_NOT_FOUND' | 'E_GRACE' | 'E_TOO_MANY_KEYS' | 'E_KEY_NOT_FOUND' | 'E_SETUP_CHOICE';

export class TenantError extends Error {
  readonly code: TenantErrorCode;
  constructor(code: TenantErrorCode, message: string) {
    super(message);
    this.name = 'TenantError';
    this.code = code;
  }
}
