/**
 * Errors of the typed admin client: an answer of the admin API that is not 2xx becomes
 * an `AdminApiError` carrying the stable `code` of the error catalogue
 * (docs/architecture.md "Admin API"); branch on `code`, never on `message`.
 */

/** The codes the admin API answers with (its error catalogue), plus `unexpected` for a body that is not one. */
export type AdminApiErrorCode =
  | 'unauthorized' | 'invalid_request' | 'unknown_permission' | 'not_found' | 'conflict' | 'managed_by_idp'
  | 'method_not_allowed' | 'cursor_expired' | 'payload_too_large' | 'internal' | 'unexpected'
  | (string & {});

/** A refused or failed admin API request. */
export class AdminApiError extends Error {
  readonly code: AdminApiErrorCode;
  readonly status: number;
  /** The `x-request-id` of the answer (the server log names it). */
  readonly requestId: string | undefined;
  constructor(status: number, code: AdminApiErrorCode, message: string, requestId?: string) {
    super(message);
    this.name = 'AdminApiError';
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }
}

/** True when `e` is an `AdminApiError` with this code. */
export function isAdminApiError(e: unknown, code?: AdminApiErrorCode): e is AdminApiError {
  return e instanceof AdminApiError && (code === undefined || e.code === code);
}
