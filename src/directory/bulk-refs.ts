/**
 * Where a Bulk operation may use `bulkId:<id>` (RFC 7644 §3.7.2): in place of the
 * id of a resource the same request creates. The RFC's examples put it in a
 * group member's `value` and in an operation's path (`/Groups/bulkId:qwerty`);
 * Roster reads it exactly where a resource id goes, as the schema registry
 * describes it, and nowhere else (docs/scim-api.md, Bulk):
 *
 * - the id segment of the operation's path;
 * - a string attribute of type `reference` whose `referenceTypes` name a
 *   resource type (`members.$ref`, `groups.$ref`, `manager.$ref`, RFC 7643 §2.3.7);
 * - the `value` sub-attribute of a complex attribute that has such a `$ref`
 *   (`members.value`, `groups.value`, `manager.value`: the referenced id,
 *   RFC 7643 §4.1.2, §4.2, §4.3), and a bare string given for that complex
 *   attribute (the `manager` shorthand some clients send);
 * - in PATCH, the same places reached through an operation's `path` and
 *   `value`, and comparison values in a path's value filter on such a
 *   sub-attribute (`members[value eq "bulkId:u1"]`).
 *
 * Any other string that reads `bulkId:x` (a `title`, a `displayName`) is data
 * and stays as sent.
 */
import { formatAttrPath, formatFilter } from '../scim/filter/format.ts';
import type { AttrPath, Filter, PatchPath } from '../scim/filter/ast.ts';
import { parseAttrPath, parsePath } from '../scim/path/parse.ts';
import { subAttributeOf } from '../scim/schema/lookup.ts';
import type { AttributeDefinition, ResourceSchema } from '../scim/schema/types.ts';

const BULK_VALUE = /^bulkId:(.+)$/s;
const NO_PATH: AttrPath = Object.freeze({ name: '' });
const KEY_PATHS = new Map<string, AttrPath>();
const MAX_DEPTH = 64;

/**
 * Called with each bulkId found in an allowed place; returns what replaces the
 * whole `bulkId:<id>` string (the string itself to leave it).
 */
export type RefMapper = (bulkId: string, original: string) => string;

/** The bulkId of a whole `bulkId:<id>` string, else undefined. */
export function bulkIdOf(v: unknown): string | undefined {
  return typeof v === 'string' ? BULK_VALUE.exec(v)?.[1] : undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** What a position holds: nothing of interest, a resource id, or a complex attribute holding one. */
type Slot = 'other' | 'ref' | { readonly complex: AttributeDefinition };

class RefWalker {
  readonly #rs: ResourceSchema;
  readonly #resourceTypes: ReadonlySet<string>;
  readonly #map: RefMapper;
  readonly #blockByUrn = new Map<string, AttributeDefinition>();
  readonly #blocks = new Set<AttributeDefinition>();

  constructor(rs: ResourceSchema, resourceTypes: readonly string[], map: RefMapper) {
    this.#rs = rs;
    this.#resourceTypes = new Set(resourceTypes.map((t) => t.toLowerCase()));
    this.#map = map;
  }

  /** A reference attribute to a resource type (not `external` or `uri`). */
  #isResourceRef(a: AttributeDefinition | undefined): boolean {
    return a?.type === 'reference' && (a.referenceTypes ?? []).some((t) => this.#resourceTypes.has(t.toLowerCase()));
  }

  /** A complex attribute whose `value` is the id of the resource its `$ref` points to. */
  #holdsRef(a: AttributeDefinition): boolean {
    return a.type === 'complex' && this.#isResourceRef(subAttributeOf(a, '$ref'));
  }

  #slotOf(attr: AttributeDefinition, sub: AttributeDefinition | undefined): Slot {
    if (sub !== undefined) return this.#isResourceRef(sub) || (sub.name === 'value' && this.#holdsRef(attr)) ? 'ref' : 'other';
    if (this.#isResourceRef(attr)) return 'ref';
    return attr.type === 'complex' ? { complex: attr } : 'other';
  }

  #resolve(path: AttrPath): Slot {
    const r = this.#rs.resolve(path);
    return r === undefined ? 'other' : this.#slotOf(r.attribute, r.sub);
  }

  #string(v: string): string {
    const id = bulkIdOf(v);
    return id === undefined ? v : this.#map(id, v);
  }

  /** A value at a slot; arrays are walked element by element (multi-valued attributes). */
  #value(v: unknown, slot: Slot, depth: number): unknown {
    if (slot === 'other' || depth > MAX_DEPTH) return v;
    if (Array.isArray(v)) return this.#same(v, v.map((x) => this.#value(x, slot, depth + 1)));
    if (slot === 'ref') return typeof v === 'string' ? this.#string(v) : v;
    const attr = slot.complex;
    // A bare string for a complex attribute that holds a reference: its `value`.
    if (typeof v === 'string') return this.#holdsRef(attr) ? this.#string(v) : v;
    if (!isObject(v)) return v;
    const block = this.#blocks.has(attr);
    return this.#object(v, (k) => {
      const sub = subAttributeOf(attr, k);
      if (sub === undefined) return 'other';
      // In an extension block the members are attributes, not sub-attributes.
      return block ? this.#slotOf(sub, undefined) : this.#slotOf(attr, sub);
    }, depth);
  }

  /** A copy of `o` with each member walked at the slot `slotOf(name)` gives (the same object when nothing changed). */
  #object(o: Record<string, unknown>, slotOf: (key: string) => Slot, depth: number): Record<string, unknown> {
    let out: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(o)) {
      // Never assign through `__proto__` (the transport refuses it; this keeps it so).
      if (k === '__proto__') continue;
      const next = this.#value(v, slotOf(k), depth + 1);
      if (next !== v) {
        out ??= { ...o };
        out[k] = next;
      }
    }
    return out ?? o;
  }

  #same<T>(before: readonly T[], after: T[]): T[] {
    return after.every((x, i) => x === before[i]) ? (before as T[]) : after;
  }

  /** A resource body (POST, PUT, or a PATCH value without a path). */
  resource(data: unknown, depth = 0): unknown {
    if (!isObject(data)) return data;
    const extensions = new Map(this.#rs.extensions.map((s) => [s.id.toLowerCase(), s.id]));
    return this.#object(data, (key) => {
      const urn = extensions.get(key.toLowerCase());
      if (urn !== undefined) return { complex: this.#extensionBlock(urn) };
      return this.#resolve(this.#attrPath(key));
    }, depth);
  }

  /** An extension block, walked as a complex attribute whose sub-attributes are the extension's attributes. */
  #extensionBlock(urn: string): AttributeDefinition {
    let block = this.#blockByUrn.get(urn);
    if (block === undefined) {
      const schema = this.#rs.extensions.find((s) => s.id === urn);
      block = { name: urn, type: 'complex', multiValued: false, description: '', required: false, caseExact: false,
        mutability: 'readWrite', returned: 'default', uniqueness: 'none', subAttributes: schema?.attributes ?? [] };
      this.#blockByUrn.set(urn, block);
      this.#blocks.add(block);
    }
    return block;
  }

  /** A member name as an attribute path (`title`, `name.givenName`, `urn:…:User:manager`); unparsable → no attribute. */
  #attrPath(key: string): AttrPath {
    let p = KEY_PATHS.get(key);
    if (p === undefined) {
      try {
        p = parseAttrPath(key);
      } catch {
        p = NO_PATH;
      }
      // Member names repeat across the operations of a request: parse each once (bounded).
      if (KEY_PATHS.size >= 1000) KEY_PATHS.clear();
      KEY_PATHS.set(key, p);
    }
    return p;
  }

  /** One PATCH operation: its `path` (value filter) and its `value`. */
  #patchOp(op: unknown): unknown {
    if (!isObject(op)) return op;
    const pathKey = Object.keys(op).find((k) => k.toLowerCase() === 'path');
    const valueKey = Object.keys(op).find((k) => k.toLowerCase() === 'value');
    const rawPath = pathKey === undefined ? undefined : op[pathKey];
    let out = op;
    const set = (k: string, v: unknown): void => {
      if (v !== out[k]) out = { ...out, [k]: v };
    };
    if (rawPath === undefined) {
      if (valueKey !== undefined) set(valueKey, this.resource(op[valueKey], 1));
      return out;
    }
    if (typeof rawPath !== 'string' || pathKey === undefined) return op;
    let path: PatchPath;
    try {
      path = parsePath(rawPath);
    } catch {
      return op; // The PATCH engine reports the bad path.
    }
    const r = this.#rs.resolve(path.attr);
    if (r === undefined) return op;
    if (path.valueFilter !== undefined) {
      const filter = this.#filter(path.valueFilter, r.attribute);
      if (filter !== path.valueFilter) set(pathKey, formatPatchPath({ ...path, valueFilter: filter }));
    }
    if (valueKey !== undefined) {
      const sub = path.subAttr !== undefined ? subAttributeOf(r.attribute, path.subAttr) : r.sub;
      const slot = path.subAttr !== undefined && sub === undefined ? 'other' : this.#slotOf(r.attribute, sub);
      set(valueKey, this.#value(op[valueKey], slot, 1));
    }
    return out;
  }

  /** A value filter on `attr`: comparison values on its reference sub-attributes are resolved. */
  #filter(f: Filter, attr: AttributeDefinition): Filter {
    switch (f.kind) {
      case 'compare': {
        const sub = subAttributeOf(attr, f.path.name);
        if (f.path.sub !== undefined || sub === undefined || this.#slotOf(attr, sub) !== 'ref' || typeof f.value !== 'string') return f;
        const value = this.#string(f.value);
        return value === f.value ? f : { ...f, value };
      }
      case 'and':
      case 'or': {
        const left = this.#filter(f.left, attr);
        const right = this.#filter(f.right, attr);
        return left === f.left && right === f.right ? f : { ...f, left, right };
      }
      case 'not': {
        const inner = this.#filter(f.filter, attr);
        return inner === f.filter ? f : { ...f, filter: inner };
      }
      default:
        return f;
    }
  }

  /** One PATCH operation (see #patchOp). */
  walkOp(op: unknown): unknown {
    return this.#patchOp(op);
  }
}

/** PatchPath → text that `parsePath` reads back as the same path. */
function formatPatchPath(p: PatchPath): string {
  const filter = p.valueFilter === undefined ? '' : `[${formatFilter(p.valueFilter)}]`;
  return `${formatAttrPath(p.attr)}${filter}${p.subAttr === undefined ? '' : `.${p.subAttr}`}`;
}

/** What a Bulk operation names: method, path and data as sent. */
export interface BulkTarget {
  readonly method: string;
  readonly path: string;
  readonly data?: unknown;
}

/**
 * Applies `map` to every `bulkId:<id>` in an allowed place of the operation
 * (see the module comment) and returns the path and data with the results; the
 * rest is returned as it was (the same objects where nothing changed).
 * `rs` is the resource type the path names (undefined: only the path is read).
 */
export function mapBulkRefs(op: BulkTarget, rs: ResourceSchema | undefined, resourceTypes: readonly string[], map: RefMapper): { path: string; data: unknown } {
  const [pathPart = '', query] = splitOnce(op.path, '?');
  const segs = pathPart.split('/').filter((x) => x !== '');
  // `/Users/bulkId:u1`: the id segment only.
  const idRef = segs.length === 2 ? bulkIdOf(safeDecode(segs[1] ?? '')) : undefined;
  let path = op.path;
  if (idRef !== undefined) {
    const original = `bulkId:${idRef}`;
    const to = map(idRef, original);
    if (to !== original) path = `/${segs[0]}/${encodeURIComponent(to)}${query === undefined ? '' : `?${query}`}`;
  }
  if (rs === undefined || op.data === undefined) return { path, data: op.data };
  const walker = new RefWalker(rs, resourceTypes, map);
  const data = op.method === 'PATCH' ? walkPatch(walker, op.data) : walker.resource(op.data);
  return { path, data };
}

function walkPatch(walker: RefWalker, data: unknown): unknown {
  if (Array.isArray(data)) return data.map((op) => walker.walkOp(op));
  if (!isObject(data)) return data;
  let out = data;
  for (const [k, v] of Object.entries(data)) {
    if (k.toLowerCase() !== 'operations' || !Array.isArray(v)) continue;
    const ops = v.map((op) => walker.walkOp(op));
    if (ops.some((x, i) => x !== v[i])) out = { ...out, [k]: ops };
  }
  return out;
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The bulkIds an operation references in allowed places. */
export function collectBulkRefs(op: BulkTarget, rs: ResourceSchema | undefined, resourceTypes: readonly string[]): Set<string> {
  const refs = new Set<string>();
  mapBulkRefs(op, rs, resourceTypes, (id, original) => {
    refs.add(id);
    return original;
  });
  return refs;
}
