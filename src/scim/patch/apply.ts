/**
 * Applies parsed PATCH operations to a stored resource (RFC 7644 §3.5.2). Pure and
 * all-or-nothing: operations run in order on a private deep copy, and the first
 * error throws a ScimError before anything is returned, so the caller still holds
 * the untouched original ("a PATCH request … SHALL be treated as atomic").
 */
import { internalError, invalidValue, isScimError, mutability } from '../errors.ts';
import type { PatchPath } from '../filter/ast.ts';
import { parsePath } from '../path/parse.ts';
import { GROUP_SCHEMA } from '../schema/types.ts';
import type { ResourceSchema, SchemaDefinition } from '../schema/types.ts';
import { applyToAttribute } from './attribute-ops.ts';
import type { OpContext, OpName } from './attribute-ops.ts';
import { matchingIndexes, valueEqIds } from './match.ts';
import { MemberTracker, readMembers } from './members.ts';
import { isReadOnly, resolveTarget } from './target.ts';
import type { Target } from './target.ts';
import type { ApplyPatchOptions, PatchMember, PatchOperation, PatchResult } from './types.ts';
import { cloneJson, deepEqual, isObject, own } from './values.ts';
import type { JsonObject } from './values.ts';

/** Keys that must never be treated as attribute names (prototype pollution). */
const RESERVED: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

interface Context extends OpContext {
  readonly members: readonly PatchMember[] | undefined;
  readonly tracker: MemberTracker;
}

/** Group `members`: a membership delta, never a write into the stored body. */
function membersOp(ctx: Context, op: OpName, t: Target, value: unknown, hasValue: boolean): void {
  if (t.sub !== undefined || (t.filter !== undefined && op !== 'remove')) {
    // RFC 7643 §8.7.1: value, $ref and type of a member are immutable; a member is
    // added or removed, never edited in place.
    throw mutability(`"${t.text}": members cannot be modified in place; remove and add them instead`);
  }
  if (t.filter !== undefined) {
    let ids = valueEqIds(t.filter);
    if (ids === undefined) {
      if (ctx.members === undefined) {
        throw internalError('applyPatch: this members filter needs opts.members (see patchNeedsMembers)');
      }
      const cur = ctx.tracker.current(ctx.members);
      ids = matchingIndexes(ctx.rs, t, cur).map((i) => (cur[i] as PatchMember).value);
    }
    // Removing a non-member changes nothing and succeeds (docs/reliability.md CC-8).
    ctx.tracker.remove(ids);
    return;
  }
  if (op === 'add') {
    if (value !== null) ctx.tracker.add(readMembers(t.attr, value, t.text));
  } else if (op === 'replace') {
    // RFC 7644 §3.5.2.3: the whole set is replaced; `[]` (Okta's empty push) empties it.
    ctx.tracker.replace(value === null ? [] : readMembers(t.attr, value, t.text));
  } else if (hasValue && value !== null) {
    // Entra/JumpCloud: `remove members` with a value list removes only those members.
    ctx.tracker.remove(readMembers(t.attr, value, t.text).map((m) => m.value));
  } else {
    // RFC 7644 §3.5.2.2: no filter and no value removes all members.
    ctx.tracker.replace([]);
  }
}

function dispatch(ctx: Context, op: OpName, t: Target, value: unknown, hasValue: boolean): void {
  if (t.members) membersOp(ctx, op, t, value, hasValue);
  else applyToAttribute(ctx, op, t, value);
}

const findExtension = (rs: ResourceSchema, urn: string): SchemaDefinition | undefined => {
  const k = urn.toLowerCase();
  return rs.extensions.find((e) => e.id.toLowerCase() === k);
};

/**
 * One key of a path-less value. Keys are attribute names, URN-qualified names or
 * (Entra) full paths such as `name.givenName`; unknown keys and readOnly
 * attributes are ignored (RFC 7643 §7: readOnly input is ignored; Okta sends the
 * group's `id` along with a rename). A literal dotted key is never stored.
 */
function applyKey(ctx: Context, op: 'add' | 'replace', key: string, value: unknown, nested: boolean): void {
  const lower = key.toLowerCase();
  if (lower === 'schemas' || RESERVED.has(lower)) return;
  if (!nested && lower === ctx.rs.core.id.toLowerCase()) {
    if (!isObject(value)) throw invalidValue(`"${key}" must be an object of attributes`);
    for (const k of Object.keys(value)) applyKey(ctx, op, k, value[k], true);
    return;
  }
  const ext = nested ? undefined : findExtension(ctx.rs, key);
  if (ext !== undefined) {
    if (value === null) {
      if (op === 'replace') removeExtension(ctx, ext);
      return;
    }
    if (!isObject(value)) throw invalidValue(`"${ext.id}" must be an object of attributes`);
    for (const k of Object.keys(value)) {
      if (!RESERVED.has(k.toLowerCase())) applyPathKey(ctx, op, `${ext.id}:${k}`, value[k]);
    }
    return;
  }
  applyPathKey(ctx, op, key, value);
}

function applyPathKey(ctx: Context, op: 'add' | 'replace', key: string, value: unknown): void {
  let t: Target;
  try {
    const path: PatchPath = /[.[:]/.test(key) ? parsePath(key) : { attr: { name: key } };
    t = resolveTarget(ctx.rs, path, key, false);
  } catch (e) {
    // A key that names no attribute is refused like the same name as a path or in a
    // body (docs/schema.md); provider tenants drop such keys first (src/compat/tolerant.ts).
    if (isScimError(e) && (e.scimType === 'invalidPath' || e.scimType === 'invalidValue')) {
      throw invalidValue(`"${key.length > 200 ? `${key.slice(0, 200)}…` : key}" does not name an attribute of ${ctx.rs.resourceType.name}`);
    }
    throw e;
  }
  if (!isReadOnly(t)) dispatch(ctx, op, t, value, true);
}

/** Removes every attribute of an extension block (each with its own checks). */
function removeExtension(ctx: Context, ext: SchemaDefinition): void {
  for (const attr of ext.attributes) {
    if (attr.mutability === 'readOnly') continue;
    const t = resolveTarget(ctx.rs, { attr: { uri: ext.id, name: attr.name } }, `${ext.id}:${attr.name}`, false);
    applyToAttribute(ctx, 'remove', t, undefined);
  }
}

/** A path that is just an extension URN (`urn:…:enterprise:2.0:User`) targets its whole block. */
function extensionOfPath(rs: ResourceSchema, path: PatchPath): SchemaDefinition | undefined {
  const a = path.attr;
  if (a.uri === undefined || a.sub !== undefined || path.valueFilter !== undefined) return undefined;
  return findExtension(rs, `${a.uri}:${a.name}`);
}

function applyOperation(ctx: Context, op: PatchOperation): void {
  const hasValue = Object.hasOwn(op, 'value');
  if (op.path === undefined) {
    // RFC 7644 §3.5.2.1/§3.5.2.3: without a path the target is the resource itself
    // and the value is a set of attributes.
    if (op.op === 'remove') return; // parsePatchRequest already refuses this (noTarget)
    if (!isObject(op.value)) throw invalidValue(`${op.op} without a path needs an object of attributes as its value`);
    const value = op.value;
    for (const k of Object.keys(value)) applyKey(ctx, op.op, k, value[k], false);
    return;
  }
  const ext = extensionOfPath(ctx.rs, op.path);
  if (ext !== undefined) {
    if (op.op === 'remove') removeExtension(ctx, ext);
    else applyKey(ctx, op.op, ext.id, op.value, false);
    return;
  }
  const t = resolveTarget(ctx.rs, op.path, op.pathText, true);
  dispatch(ctx, op.op, t, op.value, hasValue);
}

/** RFC 7643 §3: `schemas` lists the extensions whose blocks the resource carries. */
function syncSchemas(rs: ResourceSchema, original: JsonObject, work: JsonObject): void {
  const schemas = own(work, 'schemas');
  if (!Array.isArray(schemas)) return;
  let next = schemas;
  for (const ext of rs.extensions) {
    const present = (r: JsonObject): boolean => {
      const b = own(r, ext.id);
      return isObject(b) && Object.keys(b).length > 0;
    };
    const listed = next.some((s) => typeof s === 'string' && s.toLowerCase() === ext.id.toLowerCase());
    if (present(work) && !listed) next = [...next, ext.id];
    else if (!present(work) && present(original) && listed) {
      next = next.filter((s) => !(typeof s === 'string' && s.toLowerCase() === ext.id.toLowerCase()));
    }
  }
  if (next !== schemas) work['schemas'] = next;
}

/**
 * Applies `ops` to `resource` (the stored body: no `id`/`meta`; Groups without
 * `members`, Users without `groups`) and returns the new body, whether anything
 * changed, and for Groups the membership delta. Never mutates its inputs. Throws
 * only ScimError; on a throw nothing has been applied (RFC 7644 §3.5.2: atomic).
 * Semantics and error codes: docs/patch.md.
 */
export function applyPatch(
  rs: ResourceSchema,
  resource: Readonly<Record<string, unknown>>,
  ops: readonly PatchOperation[],
  opts: ApplyPatchOptions = {},
): PatchResult {
  const original = resource as JsonObject;
  const ctx: Context = {
    rs,
    work: cloneJson(original),
    upsertOnNoMatch: opts.upsertOnNoMatch === true,
    maxMultiValued: opts.maxMultiValued ?? Number.POSITIVE_INFINITY,
    members: opts.members,
    tracker: new MemberTracker(),
  };
  for (const op of ops) applyOperation(ctx, op);
  syncSchemas(rs, original, ctx.work);
  const membership = ctx.tracker.delta(opts.members);
  // RFC 7644 §3.5.2.1: a PATCH that changes nothing SHALL NOT change the modify timestamp.
  const changed = membership !== undefined || !deepEqual(ctx.work, original);
  return membership === undefined ? { resource: ctx.work, changed } : { resource: ctx.work, changed, membership };
}

const isMembersPath = (p: PatchPath): boolean =>
  p.attr.name.toLowerCase() === 'members' &&
  p.attr.sub === undefined &&
  p.subAttr === undefined &&
  (p.attr.uri === undefined || p.attr.uri.toLowerCase() === GROUP_SCHEMA.toLowerCase());

/**
 * True when applying `ops` to a Group needs its current member list: a `remove`
 * through a members filter other than `value eq "…"` (joined by `or`), e.g.
 * `members[type eq "Group"]`. Pass the list as `opts.members` then; without it
 * `applyPatch` throws a 500 (a caller bug).
 */
export function patchNeedsMembers(ops: readonly PatchOperation[]): boolean {
  return ops.some(
    (op) =>
      op.op === 'remove' &&
      op.path?.valueFilter !== undefined &&
      isMembersPath(op.path) &&
      valueEqIds(op.path.valueFilter) === undefined,
  );
}
