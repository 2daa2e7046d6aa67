/**
 * The plain JSON error body, `{ "error": { "code", "message" } }`, used outside
 * SCIM: by the router (unknown paths), the health probes and the admin API
 * (codes from `admin-errors.ts`).
 */
import type { ServerResponse } from 'node:http';

/** The JSON media type of non-SCIM answers. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Writes `{ "error": { code, message } }` with `status` and extra headers. */
export function sendJsonError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  sendPlainJson(res, status, { error: { code, message } }, headers);
}

/** Writes a JSON body as `application/json`. */
export function sendPlainJson(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.writeHead(status, { 'content-type': JSON_CONTENT_TYPE, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
