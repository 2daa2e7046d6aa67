/**
 * PostgreSQL's `text` and `jsonb` cannot hold U+0000, which JSON (RFC 8259 §7) and so
 * SCIM strings may carry. Every string crossing the PostgreSQL store's edge goes through
 * this code: U+0001 becomes U+0001 U+0002 and U+0000 becomes U+0001 U+0001, which no
 * stored text can then contain a NUL, and which keeps code point order (the code words
 * are prefix-free and ordered), so `=`, `<`, ORDER BY and keyset seeks agree with the
 * evaluator (docs/storage.md "PostgreSQL"). Reads decode it back exactly.
 */

const NUL = '\u0000';
const ESC = '\u0001';

/** The stored form of a string. */
export function encodeText(s: string): string {
  if (!s.includes(NUL) && !s.includes(ESC)) return s;
  // The escape character first, so the escapes of NUL are not escaped again.
  return s.replaceAll(ESC, `${ESC}\u0002`).replaceAll(NUL, `${ESC}${ESC}`);
}

/** The string of a stored form. */
export function decodeText(s: string): string {
  if (!s.includes(ESC)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (ch === ESC && i + 1 < s.length) {
      out += s[i + 1] === ESC ? NUL : ESC;
      i++;
    } else out += ch;
  }
  return out;
}

/** Encodes every string (keys included) inside a JSON value. */
export function encodeDeep(v: unknown): unknown {
  if (typeof v === 'string') return encodeText(v);
  if (Array.isArray(v)) return v.map(encodeDeep);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[encodeText(k)] = encodeDeep(x);
    return out;
  }
  return v;
}

/** A bind parameter in stored form (strings and arrays of strings). */
export function encodeParam(v: unknown): unknown {
  if (typeof v === 'string') return encodeText(v);
  if (Array.isArray(v)) return v.map(encodeParam);
  return v;
}

/** A result value back from stored form (strings and arrays of strings). */
export function decodeValue(v: unknown): unknown {
  if (typeof v === 'string') return decodeText(v);
  if (Array.isArray(v)) return v.map(decodeValue);
  return v;
}
