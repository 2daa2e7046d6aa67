/** Small JSON helpers for the compatibility layer (values are untrusted `unknown`). */

/** A plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The key of `obj` equal to `name` ignoring ASCII case (attribute names, RFC 7643 §2.1), or undefined. */
export function keyOf(obj: Record<string, unknown>, name: string): string | undefined {
  if (Object.hasOwn(obj, name)) return name;
  const want = name.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === want) return k;
  return undefined;
}

/** The value under `name` (case-insensitive key), or undefined. */
export function getKey(obj: Record<string, unknown>, name: string): unknown {
  const k = keyOf(obj, name);
  return k === undefined ? undefined : obj[k];
}

/** ASCII-case-insensitive equality (URNs and attribute names). */
export const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** The `Operations` array of a PatchOp body (RFC 7644 §3.5.2), or an empty list. */
export function patchOperations(body: Record<string, unknown>): Record<string, unknown>[] {
  const ops = getKey(body, 'Operations');
  return Array.isArray(ops) ? ops.filter(isObject) : [];
}

/** The `schemas` array of a body when it is an array, else undefined. */
export function schemasOf(body: Record<string, unknown>): unknown[] | undefined {
  const s = getKey(body, 'schemas');
  return Array.isArray(s) ? s : undefined;
}
