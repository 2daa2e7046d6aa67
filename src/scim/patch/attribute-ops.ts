/**
 * add / replace / remove on one attribute of the working copy (RFC 7644 §3.5.2.1-3).
 * The working copy is a private deep clone, so these functions may edit it in place.
 */
import { invalidValue, mutability, noTarget } from '../errors.ts';
import { coerceAttributeValue, coerceSingleValue, tooManyValuesDetail } from '../schema/validate.ts';
import { subAttributeOf } from '../schema/lookup.ts';
import type { AttributeDefinition, ResourceSchema } from '../schema/types.ts';
import { eqConditions, matchingIndexes } from './match.ts';
import type { Target } from './target.ts';
import { dedupeValues, ElementIndex, PatternSet } from './keys.ts';
import { cloneJson, deepEqual, isObject, own, setOwn } from './values.ts';
import type { JsonObject } from './values.ts';

export type OpName = 'add' | 'replace' | 'remove';

export interface OpContext {
  readonly rs: ResourceSchema;
  /** The working copy (a deep clone of the input resource). */
  readonly work: JsonObject;
  readonly upsertOnNoMatch: boolean;
  /** Most values of one multi-valued attribute (`ApplyPatchOptions.maxMultiValued`). */
  readonly maxMultiValued: number;
}

/** RFC 7643 §2.5: null, an empty array and an absent attribute are all "unassigned". */
const isSet = (v: unknown): boolean => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);

function holder(ctx: OpContext, t: Target, create: boolean): JsonObject | undefined {
  if (!t.extension) return ctx.work;
  const block = own(ctx.work, t.schemaUrn);
  if (isObject(block)) return block;
  if (!create) return undefined;
  const fresh: JsonObject = {};
  setOwn(ctx.work, t.schemaUrn, fresh);
  return fresh;
}

const readAttr = (ctx: OpContext, t: Target): unknown => {
  const c = holder(ctx, t, false);
  return c === undefined ? undefined : own(c, t.attr.name);
};

/**
 * Sets the attribute (canonical name only), or removes it when `v` is undefined.
 * Every write of a multi-valued attribute passes here, so here it is capped.
 */
function writeAttr(ctx: OpContext, t: Target, v: unknown): void {
  if (Array.isArray(v) && v.length > ctx.maxMultiValued) {
    const before = readAttr(ctx, t);
    if (v.length > (Array.isArray(before) ? before.length : 0)) {
      const name = t.extension ? `${t.schemaUrn}:${t.attr.name}` : t.attr.name;
      throw invalidValue(tooManyValuesDetail(name, v.length, ctx.maxMultiValued));
    }
  }
  if (v !== undefined) {
    setOwn(holder(ctx, t, true) as JsonObject, t.attr.name, v);
    return;
  }
  const c = holder(ctx, t, false);
  if (c === undefined || !Object.hasOwn(c, t.attr.name)) return;
  delete c[t.attr.name];
  if (t.extension && Object.keys(c).length === 0) delete ctx.work[t.schemaUrn];
}

/** Copies `patch` (canonical keys) over `base`. */
function merged(base: unknown, patch: JsonObject): JsonObject {
  const out: JsonObject = isObject(base) ? { ...base } : {};
  for (const k of Object.keys(patch)) setOwn(out, k, patch[k]);
  return out;
}

/** The value of a multi-valued attribute as a list; one bare value is taken as a list of one. */
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

function coerceList(t: Target, value: unknown): unknown[] | undefined {
  if (value === null || value === undefined) return undefined;
  return coerceAttributeValue(t.attr, asList(value), t.text) as unknown[] | undefined;
}

/** One element of a multi-valued attribute (an array of exactly one is accepted). */
function coerceElement(t: Target, value: unknown): unknown {
  let v = value;
  if (Array.isArray(v)) {
    if (v.length !== 1) throw invalidValue(`"${t.text}" selects single values; give one value, not an array`);
    v = v[0];
  }
  return coerceSingleValue(t.attr, v, t.text);
}

/**
 * RFC 7644 §3.5.2: setting a value's "primary" to true SHALL set "primary" to false
 * on every other value. Afterwards at most one value may be primary (`invalidValue`).
 */
function settlePrimary(attr: AttributeDefinition, list: unknown[], written: readonly unknown[]): void {
  if (attr.type !== 'complex' || subAttributeOf(attr, 'primary') === undefined) return;
  const isPrimary = (e: unknown): boolean => isObject(e) && e['primary'] === true;
  if (written.some(isPrimary)) {
    const mine = new Set(written);
    for (let i = 0; i < list.length; i++) {
      const e = list[i];
      if (isPrimary(e) && !mine.has(e)) list[i] = { ...(e as JsonObject), primary: false };
    }
  }
  if (list.filter(isPrimary).length > 1) throw invalidValue(`"${attr.name}" may have only one primary value`);
}

function wholeOp(ctx: OpContext, op: OpName, t: Target, value: unknown): void {
  const { attr } = t;
  const cur = readAttr(ctx, t);
  if (op === 'remove') {
    // Entra/JumpCloud: `remove` + path + value list means "remove these values",
    // never "remove all" (docs/patch.md). Without a value: RFC 7644 §3.5.2.2 removes all.
    if (attr.multiValued && value !== undefined && value !== null) {
      const patterns = asList(value)
        .map((p, i) => coerceSingleValue(attr, p, `${t.text}[${i}]`))
        .filter((p) => p !== undefined);
      const list = Array.isArray(cur) ? cur : [];
      const remove = new PatternSet(attr, patterns);
      const kept = list.filter((e) => !remove.matches(e));
      if (kept.length !== list.length) writeAttr(ctx, t, kept.length > 0 ? kept : undefined);
      return;
    }
    writeAttr(ctx, t, undefined);
    return;
  }
  if (attr.multiValued) {
    const items = coerceList(t, value);
    if (op === 'replace') {
      // RFC 7644 §3.5.2.3: no filter → the attribute and all its values are replaced.
      writeAttr(ctx, t, items === undefined ? undefined : dedupeValues(attr, items));
      return;
    }
    // RFC 7644 §3.5.2.1: add appends values; "if the target location already
    // contains the value specified" nothing changes. A value is already there when
    // an element carries every sub-attribute it gives, equal by the case rules.
    if (items === undefined) return;
    const list = Array.isArray(cur) ? [...cur] : [];
    const present = new ElementIndex(attr, list);
    const added: unknown[] = [];
    for (const it of items) {
      if (present.has(it)) continue;
      present.push(it);
      list.push(it);
      added.push(it);
    }
    if (added.length === 0) return;
    settlePrimary(attr, list, added);
    writeAttr(ctx, t, list);
    return;
  }
  const v = coerceAttributeValue(attr, value, t.text);
  if (v === undefined) {
    // add of nothing is a no-op; replace with null unassigns (RFC 7643 §2.5).
    if (op === 'replace') writeAttr(ctx, t, undefined);
    return;
  }
  // RFC 7644 §3.5.2.1/§3.5.2.3: a complex value merges its sub-attributes;
  // sub-attributes not given are left unchanged.
  writeAttr(ctx, t, attr.type === 'complex' ? merged(cur, v as JsonObject) : v);
}

function checkSubChange(t: Target, sub: AttributeDefinition, before: unknown, after: unknown): void {
  const was = isObject(before) ? own(before, sub.name) : undefined;
  const now = isObject(after) ? own(after, sub.name) : undefined;
  if (sub.mutability === 'immutable' && isSet(was) && !deepEqual(was, now)) {
    throw mutability(`"${t.text}" is immutable and already has a value`);
  }
  // RFC 7644 §3.5.2.2: removing a required (sub-)attribute is a mutability error.
  if (sub.required && isSet(was) && !isSet(now)) throw mutability(`"${t.text}" is required and cannot be removed`);
}

/** `name.givenName`: a sub-attribute of a single-valued complex attribute. */
function subOp(ctx: OpContext, op: OpName, t: Target, sub: AttributeDefinition, value: unknown): void {
  const cur = readAttr(ctx, t);
  const next: JsonObject = isObject(cur) ? { ...cur } : {};
  const v = op === 'remove' ? undefined : coerceAttributeValue(sub, value, t.text);
  if (v !== undefined) setOwn(next, sub.name, v);
  else if (op === 'add') return;
  else delete next[sub.name];
  checkSubChange(t, sub, cur, next);
  writeAttr(ctx, t, Object.keys(next).length > 0 ? next : undefined);
}

/** The element an unmatched add/replace creates (upsert, or a sub-attribute path on an empty list). */
function newElement(ctx: OpContext, t: Target, value: unknown): unknown {
  const seed = t.filter === undefined ? {} : ctx.upsertOnNoMatch ? eqConditions(t) : undefined;
  // RFC 7644 §3.5.2.3 (and Table 9): a value filter that matches nothing is noTarget.
  if (seed === undefined) throw noTarget(`"${t.text}" matches no value`);
  let raw: JsonObject;
  if (t.sub !== undefined) {
    const v = coerceAttributeValue(t.sub, value, t.text);
    if (v === undefined) return undefined;
    raw = merged(seed, { [t.sub.name]: v });
  } else {
    const v = coerceElement(t, value);
    if (v === undefined) return undefined;
    raw = merged(seed, isObject(v) ? v : {});
  }
  return coerceSingleValue(t.attr, raw, t.text);
}

/** `emails[type eq "work"]`, `emails[type eq "work"].value`, `emails.value`. */
function elementsOp(ctx: OpContext, op: OpName, t: Target, value: unknown): void {
  const { attr, sub } = t;
  const cur = readAttr(ctx, t);
  const list = Array.isArray(cur) ? [...cur] : [];
  const hits = matchingIndexes(ctx.rs, t, list);
  if (hits.length === 0) {
    // Removing what is not there changes nothing and succeeds (docs/patch.md, CC-8).
    if (op === 'remove') return;
    const el = newElement(ctx, t, value);
    if (el === undefined) return;
    list.push(el);
    settlePrimary(attr, list, [el]);
    writeAttr(ctx, t, list);
    return;
  }
  const written: unknown[] = [];
  if (sub !== undefined) {
    const v = op === 'remove' ? undefined : coerceAttributeValue(sub, value, t.text);
    if (v === undefined && op === 'add') return;
    for (const i of hits) {
      const before = list[i];
      const el: JsonObject = isObject(before) ? { ...before } : {};
      if (v === undefined) delete el[sub.name];
      else setOwn(el, sub.name, v);
      checkSubChange(t, sub, before, el);
      list[i] = el;
      written.push(el);
    }
  } else if (op === 'remove') {
    for (const i of hits) list[i] = undefined;
  } else {
    const v = coerceElement(t, value);
    if (v === undefined && op === 'add') return;
    for (const i of hits) {
      // add merges into each selected value; replace swaps it (RFC 7644 §3.5.2.3:
      // "all matching record values SHALL be replaced"); replace with null removes it.
      const el = v === undefined ? undefined : op === 'add' && isObject(v) ? merged(list[i], v) : cloneJson(v);
      list[i] = el;
      if (el !== undefined) written.push(el);
    }
  }
  // Values left without any sub-attribute are unassigned (RFC 7644 §3.5.2.2).
  let next = list.filter((e) => e !== undefined && !(isObject(e) && Object.keys(e).length === 0));
  if (op === 'replace' && sub === undefined) next = dedupeValues(attr, next);
  settlePrimary(attr, next, written);
  writeAttr(ctx, t, next.length > 0 ? next : undefined);
}

/**
 * Applies one operation to one (non-`members`) attribute. Afterwards: an immutable
 * attribute that had a value must not have changed, and a required attribute must
 * still have one (RFC 7644 §3.5.2 and §3.5.2.2: both 400 `mutability`).
 */
export function applyToAttribute(ctx: OpContext, op: OpName, t: Target, value: unknown): void {
  const before = readAttr(ctx, t);
  const snapshot = t.attr.mutability === 'immutable' ? cloneJson(before) : undefined;
  if (t.filter !== undefined || (t.sub !== undefined && t.attr.multiValued)) elementsOp(ctx, op, t, value);
  else if (t.sub !== undefined) subOp(ctx, op, t, t.sub, value);
  else wholeOp(ctx, op, t, value);
  const after = readAttr(ctx, t);
  if (t.attr.mutability === 'immutable' && isSet(snapshot) && !deepEqual(snapshot, after)) {
    throw mutability(`"${t.attr.name}" is immutable and already has a value`);
  }
  const removesWhole = op === 'remove' && t.sub === undefined && t.filter === undefined;
  if (t.attr.required && !isSet(after) && (isSet(before) || removesWhole)) {
    throw mutability(`"${t.attr.name}" is required and cannot be removed`);
  }
}
