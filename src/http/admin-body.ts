/**
 * The admin API's JSON body reader: bounded size, the same JSON checks as SCIM
 * bodies (`parseJsonBody`: UTF-8, no duplicate member names, bounded depth), and
 * every refusal as an admin catalogue error (`invalid_request`, `payload_too_large`),
 * never a SCIM error body.
 */
import type { IncomingMessage } from 'node:http';
import { ScimError } from '../scim/errors.ts';
import { AdminError } from './admin-errors.ts';
import { parseJsonBody, readBody } from './body.ts';

/** Most bytes of an admin request body: its messages are a few fields. */
export const ADMIN_MAX_BODY_BYTES = 16 * 1024;

/** Reads and parses a JSON object body; anything else is `invalid_request`. */
export async function readAdminJson(req: IncomingMessage, limit = ADMIN_MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  const type = req.headers['content-type'];
  if (type !== undefined && !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
    throw new AdminError('invalid_request', 'The request body must be JSON (Content-Type: application/json)');
  }
  let value: unknown;
  try {
    value = parseJsonBody(await readBody(req, limit));
  } catch (e) {
    if (e instanceof ScimError) throw new AdminError(e.status === 413 ? 'payload_too_large' : 'invalid_request', e.detail);
    throw e;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new AdminError('invalid_request', 'The request body must be a JSON object');
  return value as Record<string, unknown>;
}

/** A handler's answer with a status other than 200 (201 for a creation, 204 without a body). */
export class AdminReply {
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, body: unknown) {
    this.status = status;
    this.body = body;
  }
}
