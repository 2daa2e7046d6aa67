/**
 * The one SCIM error type (RFC 7644 §3.12) and one factory per `scimType`.
 * Everything in `src/scim` throws only `ScimError`; the HTTP layer renders it.
 */

/** RFC 7644 §3.12 Table 9, plus RFC 9865 cursor errors. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'
  | 'invalidCursor'
  | 'expiredCursor';

export const ERROR_URN = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** The rendered error body; `status` is a string (RFC 7644 §3.12). */
export interface ScimErrorBody {
  schemas: [typeof ERROR_URN];
  status: string;
  scimType?: ScimType;
  detail?: string;
}

/** The longest run of characters without a space a detail keeps (an echoed name, path or value). */
export const MAX_ECHO = 100;
/** The longest detail: a longer one keeps its start and its last {@link DETAIL_TAIL} characters. */
export const MAX_DETAIL = 300;
const DETAIL_TAIL = 100;
const ELLIPSIS = '…';

/** `text` cut to `max` UTF-16 units without splitting a surrogate pair. */
function cut(text: string, max: number): string {
  const end = /[\uD800-\uDBFF]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return text.slice(0, Math.max(0, end));
}

/** `text` when at most `max` characters long, else its first `max` characters and "…". */
export function clipEcho(text: string, max: number = MAX_ECHO): string {
  return text.length > max ? cut(text, max) + ELLIPSIS : text;
}

/**
 * Bounds a detail, whatever client input it echoes (a 16 KiB filter, a long path
 * or attribute name): every run without a space is clipped to {@link MAX_ECHO},
 * then a detail still over {@link MAX_DETAIL} loses its middle, so the head
 * (what failed) and the tail (why, at which offset) stay (docs/scim-api.md, Status codes).
 */
export function boundDetail(detail: string): string {
  let d = detail.replace(new RegExp(`\\S{${MAX_ECHO + 1},}`, 'gu'), (run) => clipEcho(run));
  if (d.length > MAX_DETAIL) {
    const tailStart = d.length - DETAIL_TAIL;
    const start = /[\uDC00-\uDFFF]/.test(d.charAt(tailStart)) ? tailStart + 1 : tailStart;
    d = cut(d, MAX_DETAIL - DETAIL_TAIL - 1) + ELLIPSIS + d.slice(start);
  }
  return d;
}

export class ScimError extends Error {
  readonly status: number;
  readonly scimType: ScimType | undefined;
  readonly detail: string;
  /** Character offset of the problem in a filter or path, when known. */
  readonly offset: number | undefined;

  /** `detail` is bounded by {@link boundDetail}: it may quote client input. */
  constructor(status: number, detail: string, scimType?: ScimType, offset?: number) {
    const bounded = boundDetail(detail);
    super(bounded);
    this.name = 'ScimError';
    this.status = status;
    this.detail = bounded;
    this.scimType = scimType;
    this.offset = offset;
  }

  toJSON(): ScimErrorBody {
    const body: ScimErrorBody = { schemas: [ERROR_URN], status: String(this.status) };
    if (this.scimType !== undefined) body.scimType = this.scimType;
    body.detail = this.detail;
    return body;
  }
}

export function isScimError(e: unknown): e is ScimError {
  return e instanceof ScimError;
}

const at = (detail: string, offset?: number): string =>
  offset === undefined ? detail : `${detail} (at offset ${offset})`;

// 400s with a scimType (RFC 7644 §3.12 Table 9)
export const invalidFilter = (detail: string, offset?: number): ScimError =>
  new ScimError(400, at(detail, offset), 'invalidFilter', offset);
export const tooMany = (detail: string): ScimError => new ScimError(400, detail, 'tooMany');
export const uniqueness = (detail: string): ScimError => new ScimError(409, detail, 'uniqueness');
export const mutability = (detail: string): ScimError => new ScimError(400, detail, 'mutability');
export const invalidSyntax = (detail: string): ScimError => new ScimError(400, detail, 'invalidSyntax');
export const invalidPath = (detail: string, offset?: number): ScimError =>
  new ScimError(400, at(detail, offset), 'invalidPath', offset);
export const noTarget = (detail: string): ScimError => new ScimError(400, detail, 'noTarget');
export const invalidValue = (detail: string): ScimError => new ScimError(400, detail, 'invalidValue');
export const invalidVers = (detail: string): ScimError => new ScimError(400, detail, 'invalidVers');
export const sensitive = (detail: string): ScimError => new ScimError(403, detail, 'sensitive');
// RFC 9865 §2.2 (cursor pagination)
export const invalidCursor = (detail: string): ScimError => new ScimError(400, detail, 'invalidCursor');
export const expiredCursor = (detail: string): ScimError => new ScimError(400, detail, 'expiredCursor');

// Statuses without a scimType (RFC 7644 §3.12 Table 8)
export const badRequest = (detail: string): ScimError => new ScimError(400, detail);
export const unauthorized = (detail = 'Authorization failure'): ScimError => new ScimError(401, detail);
export const forbidden = (detail: string): ScimError => new ScimError(403, detail);
export const notFound = (detail: string): ScimError => new ScimError(404, detail);
export const methodNotAllowed = (detail: string): ScimError => new ScimError(405, detail);
export const conflict = (detail: string): ScimError => new ScimError(409, detail);
export const preconditionFailed = (detail: string): ScimError => new ScimError(412, detail);
export const payloadTooLarge = (detail: string): ScimError => new ScimError(413, detail);
export const unsupportedMediaType = (detail: string): ScimError => new ScimError(415, detail);
export const tooManyRequests = (detail: string): ScimError => new ScimError(429, detail);
export const internalError = (detail = 'Internal server error'): ScimError => new ScimError(500, detail);
export const notImplemented = (detail: string): ScimError => new ScimError(501, detail);
export const serviceUnavailable = (detail: string): ScimError => new ScimError(503, detail);
