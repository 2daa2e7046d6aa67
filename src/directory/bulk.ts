/**
 * The Bulk use case (RFC 7644 §3.7): reads a BulkRequest message, orders its
 * operations and runs them against the directory. The HTTP route
 * (`src/http/scim-bulk.ts`) only checks the raw size and renders the result. Each operation runs as its own transaction (the
 * RFC does not make a bulk request atomic). `bulkId:<id>` references are resolved
 * where a resource id goes (RFC 7644 §3.7.2; `bulk-refs.ts` says exactly where),
 * forward references included: an operation that needs a later POST runs after
 * it. Circular references are not untangled: every operation on the cycle fails
 * with 409 (§3.7.1 allows it).
 */
import { createResource, deleteResource, patchResource, replaceResource } from './resources.ts';
import type { DirectoryContext } from './resources.ts';
import { etagOf, locationOf } from './render.ts';
import {
  conflict, internalError, invalidSyntax, invalidValue, isScimError, payloadTooLarge,
} from '../scim/errors.ts';
import { BULK_REQUEST_URN, BULK_RESPONSE_URN, PATCH_OP_URN } from '../scim/messages.ts';
import { collectBulkRefs, mapBulkRefs } from './bulk-refs.ts';
import type { ScimError } from '../scim/errors.ts';
import type { ResourceSchema, SchemaRegistry } from '../scim/schema/types.ts';

/** What one Bulk request runs with. */
export interface BulkContext {
  /** The tenant's directory context (its `baseUrl` gives each result's `location`). */
  readonly directory: DirectoryContext;
  /** Bulk `maxOperations` (RFC 7644 §3.7). */
  readonly maxOperations: number;
  /** Called when an operation fails for a reason that is not the client's (it answers 500). */
  readonly onInternalError: (err: unknown, operation: number) => void;
}

/** The BulkResponse message (RFC 7644 §3.7.3). */
export interface BulkResponseMessage {
  readonly schemas: readonly string[];
  readonly Operations: readonly Record<string, unknown>[];
}


interface BulkOp {
  readonly index: number;
  readonly method: string;
  readonly path: string;
  readonly bulkId?: string;
  readonly data?: unknown;
  readonly version?: string;
  /** bulkIds this operation references. */
  readonly refs: ReadonlySet<string>;
  /** A shape error found while reading it. */
  readonly error?: ScimError;
}


/** A member name that would reach `Object.prototype` once lower-cased (`__PROTO__`, `__Proto__` …). */
const PROTO_KEY = '__proto__';

/**
 * The members of `o` under lower-cased names (RFC 7643 §2.1: attribute names are
 * case-insensitive), in a null-prototype object so no name can set a prototype.
 * A name that lower-cases to `__proto__` is refused (400 invalidSyntax), as the
 * transport refuses `__proto__` itself (docs/scim-api.md, Bulk).
 */
function lowerKeys(o: Record<string, unknown>, where: string): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) {
    const key = k.toLowerCase();
    if (key === PROTO_KEY) throw invalidSyntax(`${where}: the member name "${k}" is not allowed`);
    out[key] = v;
  }
  return out;
}

function readOp(env: BulkEnv, raw: unknown, index: number): BulkOp {
  let o: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  let shapeError: ScimError | undefined;
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    try {
      o = lowerKeys(raw as Record<string, unknown>, `Operations[${index}]`);
    } catch (e) {
      if (!isScimError(e)) throw e;
      shapeError = e;
      // Still read method and bulkId for the result (§3.7.3), from the plain names only.
      const plain = raw as Record<string, unknown>;
      for (const k of ['method', 'bulkId'] as const) if (Object.hasOwn(plain, k)) o[k.toLowerCase()] = plain[k];
    }
  }
  const method = typeof o['method'] === 'string' ? o['method'].toUpperCase() : '';
  const bulkId = o['bulkid'];
  // RFC 7644 §3.7.3: a failed operation's result still names its method and bulkId,
  // so the client can match it to its request.
  const bad = (detail: string): BulkOp => ({
    index, method: method.slice(0, 16), path: '', refs: new Set(),
    ...(typeof bulkId === 'string' && bulkId !== '' ? { bulkId } : {}),
    error: invalidValue(`Operations[${index}]: ${detail}`),
  });
  if (shapeError !== undefined) return { ...bad(''), error: shapeError };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return bad('must be an object');
  if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) return bad('"method" must be POST, PUT, PATCH or DELETE');
  if (typeof o['path'] !== 'string' || !o['path'].startsWith('/')) return bad('"path" must be a string starting with "/"');
  if (bulkId !== undefined && (typeof bulkId !== 'string' || bulkId === '')) return bad('"bulkId" must be a non-empty string');
  // RFC 7644 §3.7: bulkId is REQUIRED with POST.
  if (method === 'POST' && bulkId === undefined) return bad('"bulkId" is required with POST');
  if (method !== 'DELETE' && o['data'] === undefined) return bad('"data" is required');
  const version = o['version'];
  if (version !== undefined && typeof version !== 'string') return bad('"version" must be a string');
  const target = { method, path: o['path'], data: o['data'] };
  const refs = collectBulkRefs(target, resourceSchemaFor(env, firstSegment(o['path'])), resourceTypeNames(env));
  return {
    index, method, path: o['path'], refs,
    ...(bulkId !== undefined ? { bulkId: bulkId as string } : {}),
    ...(o['data'] !== undefined ? { data: o['data'] } : {}),
    ...(version !== undefined ? { version: version as string } : {}),
  };
}

/** Operations on a reference cycle, or depending on one (RFC 7644 §3.7.1). */
function circular(ops: readonly BulkOp[], definer: ReadonlyMap<string, number>): Set<number> {
  const out = new Set<number>();
  const state = new Map<number, 'visiting' | 'done'>();
  const visit = (i: number): boolean => {
    if (state.get(i) === 'done') return out.has(i);
    if (state.get(i) === 'visiting') return true;
    state.set(i, 'visiting');
    let bad = false;
    for (const ref of ops[i]?.refs ?? []) {
      const j = definer.get(ref);
      if (j !== undefined && visit(j)) bad = true;
    }
    state.set(i, 'done');
    if (bad) out.add(i);
    return bad;
  };
  for (const op of ops) visit(op.index);
  return out;
}

/** The registry and the context a Bulk request's helpers read. */
interface BulkEnv {
  readonly registry: SchemaRegistry;
  readonly ctx: BulkContext;
}

/**
 * Runs a BulkRequest message: 413 past `maxOperations`; 400 for a malformed
 * message; otherwise one result per processed operation (RFC 7644 §3.7.3).
 */
export async function runBulk(ctx: BulkContext, message: unknown): Promise<BulkResponseMessage> {
  const bulkMaxOperations = ctx.maxOperations;
  const env: BulkEnv = { registry: ctx.directory.registry, ctx };
  if (message === null || typeof message !== 'object' || Array.isArray(message)) throw invalidSyntax('The request body must be a BulkRequest object');
  const body = lowerKeys(message as Record<string, unknown>, 'BulkRequest');
  const schemas = body['schemas'];
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === BULK_REQUEST_URN.toLowerCase())) {
    throw invalidSyntax(`"schemas" must contain ${BULK_REQUEST_URN}`);
  }
  const rawOps = body['operations'];
  if (!Array.isArray(rawOps)) throw invalidSyntax('"Operations" must be an array');
  // RFC 7644 §3.7.4: over maxOperations → 413.
  if (rawOps.length > bulkMaxOperations) throw payloadTooLarge(`The bulk request has more than maxOperations (${bulkMaxOperations}) operations`);
  const failOnErrors = body['failonerrors'];
  if (failOnErrors !== undefined && (typeof failOnErrors !== 'number' || !Number.isInteger(failOnErrors) || failOnErrors < 1)) {
    throw invalidValue('"failOnErrors" must be a positive integer');
  }

  const ops = rawOps.map((raw, i) => readOp(env, raw, i));
  const definer = new Map<string, number>();
  const dupes = new Set<number>();
  for (const op of ops) {
    if (op.method !== 'POST' || op.bulkId === undefined || op.error !== undefined) continue;
    if (definer.has(op.bulkId)) dupes.add(op.index);
    else definer.set(op.bulkId, op.index);
  }
  const cyclic = circular(ops, definer);
  const ids = new Map<string, string>();
  const results = new Map<number, Record<string, unknown>>();
  const done = new Set<number>();
  let errors = 0;
  const stop = (): boolean => typeof failOnErrors === 'number' && errors >= failOnErrors;

  const run = async (op: BulkOp): Promise<void> => {
    if (done.has(op.index) || stop()) return;
    done.add(op.index);
    // A forward reference: run the POST that defines it first.
    for (const ref of op.refs) {
      const j = definer.get(ref);
      if (j !== undefined && j !== op.index && !cyclic.has(op.index)) await run(ops[j] as BulkOp);
      if (stop()) {
        done.delete(op.index);
        return;
      }
    }
    const result = await execute(env, op, ids, { dupes, cyclic, definer });
    if (result.status !== undefined && Number(result.status) >= 400) errors++;
    results.set(op.index, result);
    // Each operation is its own (synchronous SQLite) transaction: yield to the event
    // loop between them so a 1,000-operation Bulk does not hold up other requests,
    // health checks or a SIGTERM for its whole duration.
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
  for (const op of ops) await run(op);

  const Operations = ops.filter((op) => results.has(op.index)).map((op) => results.get(op.index));
  return { schemas: [BULK_RESPONSE_URN], Operations: Operations as Record<string, unknown>[] };
}

interface RunInfo {
  readonly dupes: ReadonlySet<number>;
  readonly cyclic: ReadonlySet<number>;
  readonly definer: ReadonlyMap<string, number>;
}

/** The first segment of an operation path (`/Groups/…` → `Groups`). */
function firstSegment(path: string): string | undefined {
  return path.split('?')[0]!.split('/').find((x) => x !== '');
}

function resourceTypeNames(env: BulkEnv): string[] {
  return env.registry.resourceTypes().map((t) => t.name);
}

function resourceSchemaFor(env: BulkEnv, segment: string | undefined): ResourceSchema | undefined {
  if (segment === undefined) return undefined;
  const rt = env.registry.resourceTypes().find((t) => t.endpoint.toLowerCase() === `/${segment}`.toLowerCase());
  return rt === undefined ? undefined : env.registry.resourceSchema(rt.name);
}

async function execute(env: BulkEnv, op: BulkOp, ids: Map<string, string>, info: RunInfo): Promise<Record<string, unknown>> {
  const head: Record<string, unknown> = { method: op.method || undefined, ...(op.bulkId !== undefined ? { bulkId: op.bulkId } : {}) };
  const fail = (e: ScimError, location?: string): Record<string, unknown> => ({
    ...head, ...(location !== undefined ? { location } : {}), status: String(e.status), response: e.toJSON(),
  });
  if (op.error !== undefined) return fail(op.error);
  if (info.dupes.has(op.index)) return fail(invalidValue(`bulkId ${JSON.stringify(op.bulkId)} is used by more than one POST`));
  if (info.cyclic.has(op.index)) return fail(conflict('Circular bulkId references cannot be resolved; send these operations separately'));
  for (const ref of op.refs) {
    if (ids.has(ref)) continue;
    return info.definer.has(ref)
      ? fail(conflict(`The operation creating bulkId ${JSON.stringify(ref)} failed`))
      : fail(invalidValue(`bulkId ${JSON.stringify(ref)} is not defined by any POST in this request`));
  }
  const { path, data } = mapBulkRefs(op, resourceSchemaFor(env, firstSegment(op.path)), resourceTypeNames(env), (ref, original) => ids.get(ref) ?? original);
  const segs = path.split('?')[0]!.split('/').filter((s) => s !== '').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  const rs = resourceSchemaFor(env, segs[0]);
  const id = segs[1];
  const wantsId = op.method !== 'POST';
  if (rs === undefined || segs.length !== (wantsId ? 2 : 1) || (wantsId && id === undefined)) {
    return fail(invalidValue(`"${op.path.slice(0, 200)}" is not a valid path for ${op.method} (expected /Users${wantsId ? '/{id}' : ''} or /Groups${wantsId ? '/{id}' : ''})`));
  }
  const base = env.ctx.directory;
  // Each operation is its own unit of work, audited with its own method and path (docs/audit.md).
  const ctx = base.audit === undefined ? base : { ...base, audit: { ...base.audit, method: op.method, path: op.path.slice(0, 1024) } };
  const baseUrl = ctx.baseUrl ?? '';
  const read = { withMembers: false, withGroups: false };
  const location = id !== undefined ? locationOf(baseUrl, rs, id) : undefined;
  try {
    switch (op.method) {
      case 'POST': {
        const r = await createResource(ctx, rs.resourceType.name, data, read);
        if (op.bulkId !== undefined) ids.set(op.bulkId, r.id);
        return { ...head, location: locationOf(baseUrl, rs, r.id), version: etagOf(r.version), status: '201' };
      }
      case 'PUT':
      case 'PATCH': {
        const fn = op.method === 'PUT' ? replaceResource : patchResource;
        // RFC 7644 §3.7.3's own example gives a PATCH operation's `data` as the bare
        // list of operations; read that as the PatchOp message it stands for.
        const body = op.method === 'PATCH' && Array.isArray(data) ? { schemas: [PATCH_OP_URN], Operations: data } : data;
        const r = await fn(ctx, rs.resourceType.name, id as string, body, op.version, read);
        return { ...head, location, version: etagOf(r.version), status: '200' };
      }
      default:
        await deleteResource(ctx, rs.resourceType.name, id as string, op.version);
        return { ...head, location, status: '204' };
    }
  } catch (e) {
    if (isScimError(e)) return fail(e, location);
    env.ctx.onInternalError(e, op.index);
    return fail(internalError(), location);
  }
}
