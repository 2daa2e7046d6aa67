/**
 * Writing responses: SCIM JSON bodies and SCIM errors (RFC 7644 §3.12).
 * Errors never carry a stack, SQL or a token (IN-10): anything that is not a
 * `ScimError` becomes a generic 500 (the cause is logged with the request id).
 */
import type { ServerResponse } from 'node:http';
import { internalError, isScimError } from '../scim/errors.ts';
import type { ScimError } from '../scim/errors.ts';
import { WWW_AUTHENTICATE } from './auth.ts';

/** RFC 7644 §8.1: responses are `application/scim+json`. */
export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

/** Writes a JSON body (or none for 204/304 and when `body` is undefined). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers?: Readonly<Record<string, string>>,
): void {
  if (headers) for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (status === 204 || status === 304 || body === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': SCIM_CONTENT_TYPE, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Writes a JSON body produced in pieces with chunked transfer encoding, waiting for
 * `drain` between pieces so memory stays bounded by one piece (slow readers included).
 */
export async function sendStream(
  res: ServerResponse,
  status: number,
  stream: (write: (text: string) => Promise<boolean>) => Promise<void>,
  headers?: Readonly<Record<string, string>>,
): Promise<void> {
  if (headers) for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.writeHead(status, { 'content-type': SCIM_CONTENT_TYPE });
  const write = (text: string): Promise<boolean> =>
    new Promise((resolve) => {
      if (res.destroyed) return resolve(false);
      if (res.write(text)) return resolve(true);
      const done = (ok: boolean) => (): void => {
        res.off('drain', onDrain);
        res.off('close', onClose);
        resolve(ok);
      };
      const onDrain = done(true);
      const onClose = done(false);
      res.once('drain', onDrain);
      res.once('close', onClose);
    });
  await stream(write);
  res.end();
}

/** The `ScimError` to send for anything thrown; `internal` is true when it was not a `ScimError`. */
export function toScimError(e: unknown): { error: ScimError; internal: boolean } {
  if (isScimError(e)) return { error: e, internal: false };
  return { error: internalError('Internal server error; the request id identifies it in the server log'), internal: true };
}

/** Writes a SCIM error body with the headers its status calls for. */
export function sendError(res: ServerResponse, error: ScimError): void {
  const headers: Record<string, string> = {};
  if (error.status === 401) headers['www-authenticate'] = WWW_AUTHENTICATE;
  // docs/reliability.md CF-4: a 503 tells the client when to retry. Whole seconds only
  // (RFC 9110 §10.2.3 also allows a date; Okta reads only the integer form).
  const retryAfter = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  if ((error.status === 503 || error.status === 429) && !res.hasHeader('retry-after')) {
    headers['retry-after'] = typeof retryAfter === 'number' && Number.isInteger(retryAfter) && retryAfter > 0 ? String(retryAfter) : '5';
  }
  sendJson(res, error.status, error.toJSON(), headers);
}
