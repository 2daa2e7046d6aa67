/**
 * Parses a PATCH request body (RFC 7644 §3.5.2) into frozen operations. Only the
 * message shape is checked here; what a path names and whether a value fits the
 * schema is decided by `applyPatch`.
 *
 * The core is strict: `op` must be `add`, `remove` or `replace` exactly. Provider
 * dialects (Entra's `Add`/`Replace`/`Remove`) are normalised by `src/compat`
 * before the body gets here.
 */
import { invalidPath, invalidSyntax, invalidValue, noTarget, tooMany } from '../errors.ts';
import { PATCH_OP_URN } from '../messages.ts';
import { parsePath } from '../path/parse.ts';
import type { PatchOpName, PatchOperation } from './types.ts';
import { cloneJson, isObject, MAX_VALUE_DEPTH } from './values.ts';


export interface PatchLimits {
  /** Most operations in one request (default 1000). */
  readonly maxOperations?: number;
}

export const DEFAULT_MAX_OPERATIONS = 1000;

const OPS: ReadonlySet<string> = new Set<PatchOpName>(['add', 'remove', 'replace']);


/**
 * Reads a message attribute by case-insensitive name (RFC 7643 §2.1: attribute
 * names are case-insensitive, and the message schemas are schemas too). Two keys
 * that differ only in case are ambiguous: `invalidSyntax`.
 */
function member(obj: Record<string, unknown>, name: string): { found: boolean; value: unknown } {
  const lower = name.toLowerCase();
  let found = false;
  let value: unknown;
  for (const key of Object.keys(obj)) {
    if (key.toLowerCase() !== lower) continue;
    if (found) throw invalidSyntax(`"${name}" is given twice`);
    found = true;
    value = obj[key];
  }
  return { found, value };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Deepest nesting of `[`/`{` outside strings; scanning stops once past `limit`. */
function nesting(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max && (max = depth) > limit) return max;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/**
 * A path-less `add`/`replace` value sent as a string holding a JSON object (a
 * widely deployed Keycloak SCIM plugin sends its group reconcile this way): the
 * object, when the string parses to one; otherwise undefined and the string stays
 * the value (refused by `applyPatch`: a path-less value must be an object, RFC 7644
 * §3.5.2.1). The string is inside a body, so the body size limit bounds it; nesting
 * deeper than the body limit (64, docs/patch.md) is refused like a deep value.
 */
export function jsonObjectString(text: string): Record<string, unknown> | undefined {
  const t = text.trimStart();
  if (!t.startsWith('{')) return undefined;
  if (nesting(t, MAX_VALUE_DEPTH) > MAX_VALUE_DEPTH) throw invalidValue(`A value is nested deeper than ${MAX_VALUE_DEPTH} levels`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(t);
  } catch {
    return undefined;
  }
  return isObject(parsed) ? parsed : undefined;
}

function parseOperation(raw: unknown, index: number): PatchOperation {
  const where = `Operations[${index}]`;
  if (!isObject(raw)) throw invalidSyntax(`${where} must be an object`);
  const op = member(raw, 'op').value;
  // RFC 7644 §3.5.2: "op" is one of "add", "remove", "replace".
  if (typeof op !== 'string' || !OPS.has(op)) {
    throw invalidSyntax(`${where}.op must be "add", "remove" or "replace"`);
  }
  const rawPath = member(raw, 'path').value;
  const value = member(raw, 'value');
  const out: { op: PatchOpName; path?: PatchOperation['path']; pathText?: string; value?: unknown } = {
    op: op as PatchOpName,
  };
  // A null path is treated as absent (RFC 7643 §2.5: null means unassigned).
  if (rawPath !== undefined && rawPath !== null) {
    if (typeof rawPath !== 'string') throw invalidPath(`${where}.path must be a string`);
    out.path = parsePath(rawPath);
    out.pathText = rawPath;
  } else if (op === 'remove') {
    // RFC 7644 §3.5.2.2: "If 'path' is unspecified, the operation fails with HTTP
    // status code 400 and a 'scimType' error code of 'noTarget'."
    throw noTarget(`${where}: remove requires a path`);
  }
  if (value.found) {
    // A frozen copy: the caller's body is left as it was.
    const raw = out.path === undefined && typeof value.value === 'string' ? jsonObjectString(value.value) ?? value.value : value.value;
    out.value = deepFreeze(cloneJson(raw));
  } else if (op !== 'remove') {
    // RFC 7644 §3.5.2.1/§3.5.2.3: add and replace MUST contain a "value" member.
    // Table 9 invalidValue: "A required value was missing".
    throw invalidValue(`${where}: ${op} requires a value`);
  }
  return Object.freeze(out);
}

/**
 * Parses a PATCH body: `schemas` must contain the PatchOp URN and `Operations` must
 * be a non-empty array of at most `maxOperations` operations (otherwise 400
 * `invalidSyntax`; over the limit 400 `tooMany`, see docs/patch.md). Paths are
 * parsed with `parsePath` (400 `invalidPath`); `remove` without a path is 400
 * `noTarget`; `add`/`replace` without a value is 400 `invalidValue`.
 */
export function parsePatchRequest(body: unknown, limits: PatchLimits = {}): PatchOperation[] {
  if (!isObject(body)) throw invalidSyntax('A PATCH body must be a JSON object');
  const schemas = member(body, 'schemas').value;
  if (!Array.isArray(schemas) || !schemas.includes(PATCH_OP_URN)) {
    throw invalidSyntax(`"schemas" must contain "${PATCH_OP_URN}"`);
  }
  const ops = member(body, 'Operations').value;
  if (!Array.isArray(ops) || ops.length === 0) throw invalidSyntax('"Operations" must be a non-empty array');
  const max = limits.maxOperations ?? DEFAULT_MAX_OPERATIONS;
  // No scimType fits exactly; RFC 7644 §3.7.4 refuses bulk requests over
  // maxOperations, and Table 9 "tooMany" is the code for "more than the server is
  // willing to process". docs/reliability.md RL-6 asks for a 400.
  if (ops.length > max) throw tooMany(`A PATCH request may hold at most ${max} operations (got ${ops.length})`);
  return ops.map((raw: unknown, i) => parseOperation(raw, i));
}
