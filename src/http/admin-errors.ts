/**
 * The admin API's error catalogue: every error the `/api/v1` mount answers has
 * one of these stable codes, in the body `{ "error": { "code", "message" } }`
 * (docs/architecture.md, Admin API). Clients branch on `code`, never on `message`.
 */
import type { ServerResponse } from 'node:http';
import { sendJsonError } from './json-error.ts';

/** Code → HTTP status and default message. */
export const ADMIN_ERRORS = Object.freeze({
  unauthorized: { status: 401, message: 'Authentication failed: send an operator token as "Authorization: Bearer <token>"' },
  invalid_request: { status: 400, message: 'The request is not valid' },
  unknown_permission: { status: 400, message: 'A permission is not in the catalogue (GET /api/v1/permissions)' },
  unknown_event_type: { status: 400, message: 'An event type is not one Roster sends (docs/webhooks.md)' },
  webhook_url_refused: { status: 400, message: 'The webhook URL is not allowed (docs/webhooks.md "Private networks")' },
  not_found: { status: 404, message: 'No such endpoint' },
  conflict: { status: 409, message: 'The request conflicts with the current state' },
  managed_by_idp: { status: 409, message: "The tenant's identity provider manages this; change it there" },
  cursor_expired: { status: 410, message: 'The cursor points before the oldest event kept; events were pruned (docs/events.md "Retention")' },
  payload_too_large: { status: 413, message: 'The request body is too large' },
  method_not_allowed: { status: 405, message: 'Method not allowed here' },
  internal: { status: 500, message: 'Internal server error; the request id identifies it in the server log' },
} as const);

/** A code of the catalogue. */
export type AdminErrorCode = keyof typeof ADMIN_ERRORS;

/** RFC 6750 §3: the challenge sent with every admin 401 (its own realm: SCIM keys do not work here). */
export const ADMIN_WWW_AUTHENTICATE = 'Bearer realm="roster-admin"';

/** An admin API error: a catalogue code, a message, extra headers (`allow`). */
export class AdminError extends Error {
  readonly code: AdminErrorCode;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  constructor(code: AdminErrorCode, message?: string, headers: Readonly<Record<string, string>> = {}) {
    super(message ?? ADMIN_ERRORS[code].message);
    this.name = 'AdminError';
    this.code = code;
    this.status = ADMIN_ERRORS[code].status;
    this.headers = code === 'unauthorized' ? { 'www-authenticate': ADMIN_WWW_AUTHENTICATE, ...headers } : headers;
  }
}

/**
 * Writes the error body for anything thrown; anything that is not an `AdminError`
 * becomes `internal` (its cause is for the log, never the body). Returns true
 * when it was internal.
 */
export function sendAdminError(res: ServerResponse, e: unknown): boolean {
  const error = e instanceof AdminError ? e : new AdminError('internal');
  sendJsonError(res, error.status, error.code, error.message, error.headers);
  return !(e instanceof AdminError);
}
