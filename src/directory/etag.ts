/**
 * Entity-tag matching for conditional requests (RFC 7644 §3.14, RFC 9110 §13.1).
 * SCIM versions are weak tags (`W/"3"`); the opaque part is compared, so `"3"`
 * and `W/"3"` both match version 3.
 */

/** Whether an `If-Match` / `If-None-Match` header value matches `version` (`*` matches any existing resource). */
export function etagMatches(header: string, version: number): boolean {
  const want = String(version);
  for (const part of header.split(',')) {
    const t = part.trim();
    if (t === '*') return true;
    const m = /^(?:W\/)?"([^"]*)"$/.exec(t);
    if (m?.[1] === want) return true;
  }
  return false;
}
