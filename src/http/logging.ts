/**
 * Structured JSON logs (pino). Secrets never reach a log line (AU-8, RFC 6750 §5):
 * the request log records the path without its query string (filters carry PII,
 * RFC 7644 §7.5.2) and never the Authorization header; `redact` is a second
 * guard for anything that logs a header bag or an `apiKey` field by mistake.
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
import type { LogLevel } from '../config.ts';

/** Paths pino replaces with `[redacted]`. */
export const REDACT_PATHS = [
  'authorization',
  'apiKey',
  'headers.authorization',
  'req.headers.authorization',
  'request.headers.authorization',
  '*.authorization',
  '*.apiKey',
  'secret',
  '*.secret',
];

/** Creates the server logger; `destination` defaults to stdout. */
export function createLogger(opts: { level: LogLevel; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: opts.level,
      base: { service: 'roster' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    opts.destination,
  );
}

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** A client's `X-Request-Id` when it is short and safe to log, else a new UUID. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && SAFE_REQUEST_ID.test(header) ? header : randomUUID();
}

/** A path safe to log: no query string, at most 256 characters. */
export function loggablePath(rawUrl: string | undefined): string {
  const url = rawUrl ?? '';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  return path.length > 256 ? `${path.slice(0, 256)}…` : path;
}
