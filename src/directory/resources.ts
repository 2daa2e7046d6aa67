/**
 * The resource use cases, generic over the resource type: create, get, replace,
 * patch, delete (RFC 7644 §3.3, §3.4.1, §3.5.1, §3.5.2, §3.6). Each change runs in
 * ONE unit of work (`unit-of-work.ts`): the resource, its memberships, the version
 * check, its audit row and its outbox events in one transaction (docs/audit.md). A
 * PATCH is computed before that transaction and written only if the version it was
 * applied to is still current (`patchResource`).
 */
import { randomUUID } from 'node:crypto';
import { notFound, preconditionFailed } from '../scim/errors.ts';
import { compareCodePoints } from '../scim/filter/evaluate.ts';
import { applyPatch, patchNeedsMembers } from '../scim/patch/apply.ts';
import { parsePatchRequest } from '../scim/patch/parse.ts';
import type { PatchMembershipDelta, PatchOperation } from '../scim/patch/types.ts';
import { validateResource } from '../scim/schema/validate.ts';
import type { ValidateOptions } from '../scim/schema/validate.ts';
import { etagMatches } from './etag.ts';
import { checkGroupSize, distinctCount, isEmptyDelta, membersFromBody, resolveDelta, resolveMembers } from './members.ts';
import { jsonEqual } from '../scim/schema/json.ts';
import { diffResource, membersChange, secretNames } from './change.ts';
import { directoryEvents } from './events.ts';
import { toPlatformProfile } from './profile.ts';
import type { DirectoryOperation, UserView } from './events.ts';
import { CLI_ACTOR, runUnitOfWork } from './unit-of-work.ts';
import { auditRefusedReactivation, deprovisionUser, findRestorable, patchSetsActive } from './lifecycle.ts';
import { refusePlatformRole } from './roles.ts';
import type { ActorContext, UnitOfWork } from './unit-of-work.ts';
import type { LoadedResource, Store, StoredResource, StoreTx } from '../store/store.ts';
import type { ResourceKind } from '../domain/resource.ts';
import type { ResourceSchema, SchemaRegistry, ScimResource } from '../scim/schema/types.ts';

/** Everything a use case needs; the tenant is a parameter (docs/principles.md rule 6). */
export interface DirectoryContext {
  readonly store: Store;
  readonly registry: SchemaRegistry;
  readonly tenantId: string;
  readonly now: () => Date;
  /** Maximum PATCH operations in one request (docs/reliability.md RL-6). */
  readonly maxPatchOperations: number;
  /** Most values of one multi-valued attribute, Group members aside (docs/scim-api.md); absent = no cap. */
  readonly maxMultiValued?: number;
  /** Most members one group may have (docs/scim-api.md); unbounded when absent. */
  readonly maxGroupMembers?: number;
  /** PATCH through an unmatched `type eq` filter creates the element (Entra) instead of 400 `noTarget`. */
  readonly patchUpsertOnNoMatch?: boolean;
  /** The tenant's SCIM base URL (for filters on `meta.location`). */
  readonly baseUrl?: string;
  /**
   * Provider tenants: member ids that resolve to nothing are skipped and passed here
   * to be recorded, instead of failing the request (docs/identity-providers.md
   * "Ignored input"). Absent (`generic`): 400 `invalidValue`.
   */
  readonly ignoreMissingMembers?: (ids: readonly string[]) => void;
  /** Who makes the change and from which request, for the audit (absent: `CLI_ACTOR`). */
  readonly audit?: ActorContext;
}

/** What to load with the resource returned by a call (from the response projection). */
export interface ReadOptions {
  readonly withMembers: boolean;
  readonly withGroups: boolean;
}

/** The `If-Match` header of the request, if any (RFC 7644 §3.14). */
export type IfMatch = string | undefined;

const kindOf = (rs: ResourceSchema): ResourceKind => rs.resourceType.name as ResourceKind;

const missing = (rs: ResourceSchema, id: string): Error =>
  notFound(`${rs.resourceType.name} ${JSON.stringify(id.length > 64 ? `${id.slice(0, 64)}…` : id)} not found`);

/**
 * Splits a validated body into what is stored and the Group members.
 * Dropped: id/meta/schemas/groups (server-computed; RFC 7643 §3.1 readOnly) and
 * every writeOnly attribute: `password` is never stored (Roster is not a login
 * system; RFC 7643 §4.1.1 "never returned", docs/reliability.md IN-7).
 */
function splitBody(rs: ResourceSchema, canonical: ScimResource): { data: ScimResource; members: unknown } {
  const writeOnly = new Set(rs.core.attributes.filter((a) => a.mutability === 'writeOnly').map((a) => a.name));
  const data: ScimResource = {};
  for (const [k, v] of Object.entries(canonical)) {
    if (k === 'id' || k === 'meta' || k === 'schemas' || k === 'groups' || k === 'members' || writeOnly.has(k)) continue;
    if (v === undefined) continue;
    data[k] = v;
  }
  for (const ext of rs.extensions) {
    const block = data[ext.id];
    if (block === null || typeof block !== 'object') continue;
    const wo = new Set(ext.attributes.filter((a) => a.mutability === 'writeOnly').map((a) => a.name));
    if (wo.size === 0) continue;
    const copy = { ...(block as ScimResource) };
    for (const k of wo) delete copy[k];
    data[ext.id] = copy;
  }
  return { data, members: rs.resourceType.name === 'Group' ? canonical.members : undefined };
}

/** The stored resource as the SCIM core sees it (for PATCH and immutability checks). */
function asScim(rs: ResourceSchema, r: LoadedResource, withMembers: boolean): ScimResource {
  const schemas = [rs.core.id, ...rs.extensions.filter((e) => r.data[e.id] !== undefined).map((e) => e.id)];
  const out: ScimResource = { schemas, id: r.id, ...r.data };
  if (withMembers && r.members !== undefined) out.members = r.members.map((m) => ({ ...m }));
  return out;
}

function checkIfMatch(ifMatch: IfMatch, version: number): void {
  // RFC 7644 §3.14: a version mismatch on PUT/PATCH/DELETE is 412 Precondition Failed.
  if (ifMatch !== undefined && !etagMatches(ifMatch, version)) {
    throw preconditionFailed('The resource has changed (If-Match does not match its current version).');
  }
}

async function reload(tx: StoreTx, ctx: DirectoryContext, rs: ResourceSchema, id: string, read: ReadOptions): Promise<LoadedResource> {
  const kind = kindOf(rs);
  const r = await tx.getResource(ctx.tenantId, kind, id, {
    withMembers: read.withMembers && kind === 'Group',
    withGroups: read.withGroups && kind === 'User',
  });
  if (r === undefined) throw missing(rs, id);
  return r;
}

/** Runs a change as one unit of work with the context's actor (docs/audit.md). */
function unitOfWork<T>(ctx: DirectoryContext, fn: (uow: UnitOfWork) => Promise<T>): Promise<T> {
  return runUnitOfWork(ctx.store, ctx.audit ?? CLI_ACTOR, fn, ctx.now);
}

/**
 * Records a change of one resource: the audit row's attribute-level change and the
 * outbox events. A user's events carry its platform view: the mapped profile and its
 * role ids (none for a new user: SCIM cannot set `groups`, RFC 7643 §4.1.2).
 */
async function recordChange(
  uow: UnitOfWork, ctx: DirectoryContext, rs: ResourceSchema, id: string, operation: DirectoryOperation,
  before: ScimResource | undefined, after: ScimResource | undefined, added: readonly string[] = [], removed: readonly string[] = [],
): Promise<void> {
  const kind = kindOf(rs);
  const attributes = diffResource(before, after, secretNames(rs));
  const members = membersChange(added, removed);
  let view: UserView | undefined;
  if (kind === 'User' && after !== undefined) {
    const roles = operation === 'create' ? [] : ((await uow.tx.roles.rolesOf(ctx.tenantId, [id])).get(id) ?? []);
    view = { profile: toPlatformProfile(rs, after), roles };
  }
  uow.record({
    tenantId: ctx.tenantId,
    resourceType: kind,
    resourceId: id,
    operation,
    change: { attributes, ...(members !== undefined ? { members } : {}) },
    events: directoryEvents(kind, id, operation, after, attributes, added, removed, view),
  });
}

/** The multi-valued cap of POST and PUT bodies (RFC 7644 §3.3, §3.5.1; docs/scim-api.md). */
const capOf = (ctx: DirectoryContext): ValidateOptions =>
  ctx.maxMultiValued !== undefined ? { maxMultiValued: ctx.maxMultiValued } : {};

/** Whether the response needs rows other than the resource's own (members / groups). */
const needsRelations = (kind: ResourceKind, read: ReadOptions): boolean =>
  (kind === 'Group' && read.withMembers) || (kind === 'User' && read.withGroups);

/**
 * POST: validates, issues a server id (client `id` ignored; RFC 7643 §3.1), inserts with
 * memberships. The response is built from what was written, not read back: a new User
 * is in no group yet, a new Group's members are the resolved ones, in the store's order.
 */
export async function createResource(ctx: DirectoryContext, type: string, body: unknown, read: ReadOptions): Promise<LoadedResource> {
  const rs = ctx.registry.resourceSchema(type);
  const kind = kindOf(rs);
  const { data, members } = splitBody(rs, validateResource(rs, body, 'create', undefined, capOf(ctx)));
  const candidates = membersFromBody(members);
  checkGroupSize(distinctCount(candidates), ctx.maxGroupMembers);
  const id = randomUUID();
  const ts = ctx.now().toISOString();
  let stored: StoredResource = { tenantId: ctx.tenantId, type: kind, id, data, version: 1, created: ts, lastModified: ts };
  const resolved = await unitOfWork(ctx, async (uow) => {
    const { tx } = uow;
    // A user a DELETE deactivated comes back with its id (docs/scim-api.md "Restore").
    const hidden = kind === 'User' ? await findRestorable(tx, ctx.tenantId, data) : undefined;
    if (hidden !== undefined) stored = { ...stored, id: hidden.id, version: hidden.version + 1, created: hidden.created };
    const ms = candidates.length > 0 ? await resolveMembers(tx, ctx.tenantId, id, candidates, ctx.ignoreMissingMembers) : [];
    // The store raises 409 `uniqueness` for a duplicate userName / displayName (RFC 7644 §3.3).
    await tx.insertResource(stored);
    const added = ms.length > 0 ? (await tx.changeMembership(ctx.tenantId, id, { add: ms, remove: [] })).added : [];
    if (hidden === undefined) await recordChange(uow, ctx, rs, id, 'create', undefined, data, added);
    else {
      uow.record({
        tenantId: ctx.tenantId, resourceType: kind, resourceId: hidden.id, operation: 'restore', status: 201,
        change: { attributes: diffResource(undefined, data, secretNames(rs)) },
        events: [{ type: 'user.restored', payload: { id: hidden.id } }],
      });
    }
    return ms;
  });
  if (kind === 'User' && data['active'] === true) await auditRefusedReactivation(ctx.store, ctx.tenantId, stored.id, ctx.audit, 201, ctx.now);
  if (kind === 'Group' && read.withMembers) return { ...stored, members: [...resolved].sort((a, b) => compareCodePoints(a.value, b.value)) };
  if (kind === 'User' && read.withGroups) return { ...stored, groups: [] };
  return stored;
}

/** GET by id (RFC 7644 §3.4.1); 404 when absent or owned by another tenant. */
export async function getResource(ctx: DirectoryContext, type: string, id: string, read: ReadOptions): Promise<LoadedResource> {
  const rs = ctx.registry.resourceSchema(type);
  const kind = kindOf(rs);
  const r = await ctx.store.getResource(ctx.tenantId, kind, id, {
    withMembers: read.withMembers && kind === 'Group',
    withGroups: read.withGroups && kind === 'User',
  });
  if (r === undefined) throw missing(rs, id);
  return r;
}

/**
 * PUT (RFC 7644 §3.5.1): readOnly values ignored, immutable ones checked. A Group
 * body with `members` replaces the member list; without `members` the list is left
 * as it is (§3.5.1 lets omitted readWrite attributes be "not asserted"), so a
 * rename never wipes a large group. Nothing changed → version kept.
 */
export async function replaceResource(
  ctx: DirectoryContext, type: string, id: string, body: unknown, ifMatch: IfMatch, read: ReadOptions,
): Promise<LoadedResource> {
  const rs = ctx.registry.resourceSchema(type);
  const kind = kindOf(rs);
  const out = await unitOfWork(ctx, async (uow) => {
    const { tx } = uow;
    const cur = await tx.getResource(ctx.tenantId, kind, id, { withMembers: false, withGroups: false });
    if (cur === undefined) throw missing(rs, id);
    if (kind === 'Group') await refusePlatformRole(tx, ctx.tenantId, id);
    checkIfMatch(ifMatch, cur.version);
    const { data, members } = splitBody(rs, validateResource(rs, body, 'replace', asScim(rs, cur, false), capOf(ctx)));
    let delta = { added: [] as readonly string[], removed: [] as readonly string[] };
    if (members !== undefined && members !== null) {
      const candidates = membersFromBody(members);
      checkGroupSize(distinctCount(candidates), ctx.maxGroupMembers);
      const replace = await resolveMembers(tx, ctx.tenantId, id, candidates, ctx.ignoreMissingMembers);
      delta = await tx.changeMembership(ctx.tenantId, id, { replace, add: [], remove: [] });
    }
    const changed = !jsonEqual(data, cur.data) || delta.added.length + delta.removed.length > 0;
    await commit(tx, ctx, cur, data, changed);
    if (changed) await recordChange(uow, ctx, rs, id, 'replace', cur.data, data, delta.added, delta.removed);
    return reload(tx, ctx, rs, id, read);
  });
  if (kind === 'User' && out.data['active'] === true) await auditRefusedReactivation(ctx.store, ctx.tenantId, id, ctx.audit, 200, ctx.now);
  return out;
}

/** A PATCH applied to one version of the resource: what to write if that version is still current. */
interface PlannedPatch {
  readonly cur: LoadedResource;
  readonly data: ScimResource;
  readonly dataChanged: boolean;
  readonly membership: PatchMembershipDelta | undefined;
}

/** Applies the operations to `cur` and validates the result: pure CPU work, no store access. */
function planPatch(
  ctx: DirectoryContext, rs: ResourceSchema, cur: LoadedResource, ops: readonly PatchOperation[], needsMembers: boolean,
): PlannedPatch {
  const before = asScim(rs, cur, false);
  const result = applyPatch(rs, before, ops, {
    ...(needsMembers ? { members: cur.members ?? [] } : {}),
    upsertOnNoMatch: ctx.patchUpsertOnNoMatch === true,
    ...(ctx.maxMultiValued !== undefined ? { maxMultiValued: ctx.maxMultiValued } : {}),
  });
  let data = cur.data;
  if (result.changed) {
    const { members: _ignored, ...rest } = result.resource;
    // No cap here: applyPatch refused any attribute the PATCH grew past it, and an
    // attribute the PATCH did not touch is not refused (docs/scim-api.md).
    data = splitBody(rs, validateResource(rs, rest, 'replace', before)).data;
  }
  const membership = kindOf(rs) === 'Group' && result.membership !== undefined && !isEmptyDelta(result.membership) ? result.membership : undefined;
  return { cur, data, dataChanged: !jsonEqual(data, cur.data), membership };
}

/**
 * PATCH (RFC 7644 §3.5.2): all operations or none (`applyPatch` is pure and
 * all-or-nothing; the store transaction covers the membership rows). Membership
 * changes go as a delta, never as a rewritten list. A no-op keeps version and
 * lastModified (§3.5.2.1/§3.5.2.2, docs/reliability.md CC-4, CC-8) and takes no write lock.
 *
 * The PATCH is read, applied and validated OUTSIDE the write transaction, so its CPU
 * work does not hold the database write lock; the transaction checks that the stored
 * version is still the one the PATCH was applied to, and writes. If another writer got
 * in between (committed, or earlier in the same group commit, docs/storage.md "Group
 * commit"), the PATCH is applied again inside the transaction to the version it then
 * writes: nothing is lost, and nothing can move again before the commit (docs/scim-api.md).
 */
export async function patchResource(
  ctx: DirectoryContext, type: string, id: string, body: unknown, ifMatch: IfMatch, read: ReadOptions,
): Promise<LoadedResource> {
  const rs = ctx.registry.resourceSchema(type);
  const kind = kindOf(rs);
  const ops = parsePatchRequest(body, { maxOperations: ctx.maxPatchOperations });
  const needsMembers = kind === 'Group' && patchNeedsMembers(ops);
  const cur = await ctx.store.getResource(ctx.tenantId, kind, id, { withMembers: needsMembers, withGroups: false });
  if (cur === undefined) throw missing(rs, id);
  if (kind === 'Group') await refusePlatformRole(ctx.store, ctx.tenantId, id);
  checkIfMatch(ifMatch, cur.version);
  const plan = planPatch(ctx, rs, cur, ops, needsMembers);
  let out: LoadedResource;
  if (!plan.dataChanged && plan.membership === undefined) {
    // Nothing to write: no transaction (§3.5.2.1: version and lastModified stay).
    const { members: _m, groups: _g, sortValue: _s, ...base } = cur;
    out = needsRelations(kind, read) ? await getResource(ctx, type, id, read) : base;
  } else {
    out = await unitOfWork(ctx, async (uow) => writePatch(uow, ctx, rs, id, plan, read, (now) => replan(uow.tx, ctx, rs, now, ops, needsMembers, ifMatch)));
  }
  // A suspended user stays suspended whatever `active` says (docs/scim-api.md "Suspension").
  if (kind === 'User' && out.data['active'] === true && patchSetsActive(ops)) await auditRefusedReactivation(ctx.store, ctx.tenantId, id, ctx.audit, 200, ctx.now);
  return out;
}

/** The PATCH applied again, inside the write transaction, to the version stored now. */
async function replan(
  tx: StoreTx, ctx: DirectoryContext, rs: ResourceSchema, now: LoadedResource, ops: readonly PatchOperation[], needsMembers: boolean, ifMatch: IfMatch,
): Promise<PlannedPatch> {
  const cur = needsMembers ? await tx.getResource(ctx.tenantId, now.type, now.id, { withMembers: true, withGroups: false }) : now;
  if (cur === undefined) throw missing(rs, now.id);
  if (kindOf(rs) === 'Group') await refusePlatformRole(tx, ctx.tenantId, now.id);
  checkIfMatch(ifMatch, cur.version);
  return planPatch(ctx, rs, cur, ops, needsMembers);
}

/** The write half of a PATCH; `replan` applies it again when the stored version moved since `planned` was made. */
async function writePatch(
  uow: UnitOfWork, ctx: DirectoryContext, rs: ResourceSchema, id: string, planned: PlannedPatch, read: ReadOptions,
  replanAt: (now: LoadedResource) => Promise<PlannedPatch>,
): Promise<LoadedResource> {
  const { tx } = uow;
  const kind = kindOf(rs);
  const now = await tx.getResource(ctx.tenantId, kind, id, { withMembers: false, withGroups: false });
  if (now === undefined) throw missing(rs, id);
  const plan = now.version === planned.cur.version ? planned : await replanAt(now);
  let change = { added: [] as readonly string[], removed: [] as readonly string[] };
  if (plan.membership !== undefined) {
    const delta = await resolveDelta(tx, ctx.tenantId, id, plan.membership, ctx.ignoreMissingMembers);
    change = await tx.changeMembership(ctx.tenantId, id, delta);
    // Past the maximum group size: 400, and the transaction rolls the rows back.
    if (change.added.length > 0 && ctx.maxGroupMembers !== undefined) checkGroupSize(await tx.memberCount(ctx.tenantId, id), ctx.maxGroupMembers);
  }
  const changed = plan.dataChanged || change.added.length + change.removed.length > 0;
  const written = await commit(tx, ctx, now, plan.data, changed);
  // A no-op (members already there, nothing else) writes no audit or outbox row.
  if (changed) await recordChange(uow, ctx, rs, id, 'patch', now.data, plan.data, change.added, change.removed);
  // Members / groups are read only when the response returns them (a Group PATCH answered
  // 204, or `excludedAttributes=members`, never reads the member list).
  return needsRelations(kind, read) ? reload(tx, ctx, rs, id, read) : written;
}

/**
 * Writes the new body with version+1 when something changed (the version check is in
 * the UPDATE itself); returns the resource as now stored, without members / groups.
 */
async function commit(tx: StoreTx, ctx: DirectoryContext, cur: LoadedResource, data: ScimResource, changed: boolean): Promise<StoredResource> {
  const { members: _m, groups: _g, sortValue: _s, ...base } = cur;
  if (!changed) return base;
  const next: StoredResource = { ...base, data, version: cur.version + 1, lastModified: ctx.now().toISOString() };
  const ok = await tx.updateResource(next, cur.version);
  if (!ok) throw preconditionFailed('The resource was changed by another request; retry.');
  return next;
}

/** DELETE (RFC 7644 §3.6): 404 when absent; memberships go with the resource. */
export async function deleteResource(ctx: DirectoryContext, type: string, id: string, ifMatch: IfMatch): Promise<void> {
  const rs = ctx.registry.resourceSchema(type);
  const kind = kindOf(rs);
  await unitOfWork(ctx, async (uow) => {
    const { tx } = uow;
    const cur = await tx.getResource(ctx.tenantId, kind, id, { withMembers: false, withGroups: false });
    if (cur === undefined) throw missing(rs, id);
    if (kind === 'Group') await refusePlatformRole(tx, ctx.tenantId, id);
    checkIfMatch(ifMatch, cur.version);
    // A User follows the tenant's deprovisioning policy (docs/scim-api.md "DELETE").
    if (kind === 'User') {
      await deprovisionUser(uow, ctx.tenantId, id, cur.data, cur.version, cur.created, ctx.now().toISOString());
      return;
    }
    if (!(await tx.deleteResource(ctx.tenantId, kind, id))) throw missing(rs, id);
    await recordChange(uow, ctx, rs, id, 'delete', cur.data, undefined);
  });
}
