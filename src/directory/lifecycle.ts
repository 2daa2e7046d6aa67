/**
 * The user lifecycle of the platform behind the SCIM endpoint (docs/scim-api.md
 * "User lifecycle"): DELETE under the tenant's deprovisioning policy, restore on
 * re-create, suspension by a platform administrator, the sign-in access check.
 * Every change runs in one unit of work (docs/audit.md).
 */
import type { PatchOperation } from '../scim/patch/types.ts';
import type { ScimResource } from '../scim/schema/types.ts';
import { foldCase } from '../scim/schema/fold.ts';
import { notFound } from '../scim/errors.ts';
import type { DeprovisionPolicy, HiddenUser, PlatformUser } from '../domain/platform-user.ts';
import type { Store, StoreTx } from '../store/store.ts';
import { CLI_ACTOR, recordRefused, runUnitOfWork } from './unit-of-work.ts';
import type { ActorContext, UnitOfWork } from './unit-of-work.ts';

/** The hidden user a POST of this body brings back: same externalId, or (none sent) same userName. */
export async function findRestorable(tx: StoreTx, tenantId: string, data: ScimResource): Promise<HiddenUser | undefined> {
  const externalId = typeof data['externalId'] === 'string' ? data['externalId'] : undefined;
  if (externalId !== undefined) return tx.users.findHidden(tenantId, { externalId });
  // Never by email: only the provider's own keys link accounts (docs/scim-api.md).
  return typeof data['userName'] === 'string' ? tx.users.findHidden(tenantId, { nameFold: foldCase(data['userName']) }) : undefined;
}

/**
 * DELETE of a User under the tenant's policy, inside the caller's unit of work, after
 * its If-Match check. `deactivate`: the user is hidden (inactive, history and
 * memberships recorded) and its SCIM row deleted; `delete`: erased, and the audit row
 * keeps only the id and userName. Returns the policy applied.
 */
export async function deprovisionUser(
  uow: UnitOfWork, tenantId: string, id: string, data: ScimResource, version: number, created: string, at: string,
): Promise<DeprovisionPolicy> {
  const { tx } = uow;
  const policy = await tx.users.deprovisionPolicy(tenantId);
  const userName = typeof data['userName'] === 'string' ? data['userName'] : undefined;
  if (policy === 'deactivate') {
    const cur = await tx.getResource(tenantId, 'User', id, { withMembers: false, withGroups: true });
    const groups = (cur?.groups ?? []).map((g) => g.value);
    await tx.users.hide(tenantId, id, { version, created, groups }, at);
  }
  await tx.deleteResource(tenantId, 'User', id);
  uow.record({
    tenantId,
    resourceType: 'User',
    resourceId: id,
    operation: 'delete',
    // `delete` erases the person: the audit keeps that it existed, nothing beyond id and userName.
    change: { policy, attributes: userName !== undefined ? [{ path: 'userName', before: userName }] : [] },
    events: [{ type: policy === 'deactivate' ? 'user.deprovisioned' : 'user.deleted', payload: { id } }],
    status: 204,
  });
  return policy;
}

/** Whether a PATCH sets `active` (by path, or in a path-less value object), in any case. */
export function patchSetsActive(ops: readonly PatchOperation[]): boolean {
  return ops.some((op) => {
    if (op.op === 'remove') return false;
    if (op.path !== undefined) return op.path.attr.name.toLowerCase() === 'active' || op.path.attr.name.toLowerCase().endsWith(':active');
    return op.value !== null && typeof op.value === 'object' && Object.keys(op.value).some((k) => k.toLowerCase() === 'active');
  });
}

/**
 * After a SCIM write that asked for `active: true`: when the user is suspended, the
 * write kept it suspended; records that refused reactivation as its own audit row
 * (operation `reactivate`, outcome `refused`, the status the write is answered with).
 */
export async function auditRefusedReactivation(store: Store, tenantId: string, id: string, audit: ActorContext | undefined, status: number, now: () => Date): Promise<void> {
  const u = await store.users.get(tenantId, id);
  if (u?.status !== 'suspended') return;
  await recordRefused(store, audit ?? CLI_ACTOR, { tenantId, resourceType: 'User', resourceId: id, operation: 'reactivate', status }, now);
}

/** What the admin use cases need. */
export interface LifecycleContext {
  readonly store: Store;
  readonly tenantId: string;
  readonly audit: ActorContext;
  readonly now: () => Date;
}

const noUser = (id: string): Error => notFound(`User ${JSON.stringify(id.length > 64 ? `${id.slice(0, 64)}…` : id)} not found`);

/**
 * Suspends (`true`) or lifts the suspension (`false`) of a user, as a platform
 * administrator: one unit of work, audited, event `user.suspended` / `user.unsuspended`.
 * Suspending removes the managed mark. Idempotent: no change, no audit row.
 */
export async function setSuspension(ctx: LifecycleContext, id: string, suspend: boolean): Promise<PlatformUser> {
  return runUnitOfWork(ctx.store, ctx.audit, async (uow) => {
    const cur = await uow.tx.users.get(ctx.tenantId, id);
    if (cur === undefined) throw noUser(id);
    if ((cur.status === 'suspended') === suspend) return cur;
    const at = ctx.now().toISOString();
    const next = await uow.tx.users.setSuspended(ctx.tenantId, id, suspend ? at : null);
    if (next === undefined) throw noUser(id);
    uow.record({
      tenantId: ctx.tenantId,
      resourceType: 'User',
      resourceId: id,
      operation: suspend ? 'suspend' : 'unsuspend',
      change: { attributes: [{ path: 'status', before: cur.status, after: next.status }, ...(cur.managed !== next.managed ? [{ path: 'managed', before: cur.managed, after: next.managed }] : [])] },
      events: [{ type: suspend ? 'user.suspended' : 'user.unsuspended', payload: { id, status: next.status } }],
      status: 200,
    });
    return next;
  }, ctx.now);
}

/**
 * The sign-in access check: allowed only while active; the permissions are the union
 * over the user's roles (docs/scim-api.md "Roles and permissions"), none unless active.
 */
export async function accessCheck(store: Store, tenantId: string, id: string): Promise<{ allowed: boolean; permissions: string[] }> {
  const u = await store.users.get(tenantId, id);
  if (u === undefined) throw noUser(id);
  const allowed = u.status === 'active';
  return { allowed, permissions: allowed ? await store.roles.permissionsOf(tenantId, id) : [] };
}

/** Sets the tenant's deprovisioning policy (one unit of work, audited); false when no such tenant. */
export async function setDeprovisionPolicy(ctx: LifecycleContext, policy: DeprovisionPolicy): Promise<boolean> {
  return runUnitOfWork(ctx.store, ctx.audit, async (uow) => {
    const before = await uow.tx.users.deprovisionPolicy(ctx.tenantId);
    if (!(await uow.tx.users.setDeprovisionPolicy(ctx.tenantId, policy))) return false;
    if (before !== policy) {
      uow.record({
        tenantId: ctx.tenantId, resourceType: 'Tenant', resourceId: ctx.tenantId, operation: 'set_deprovision',
        change: { attributes: [{ path: 'deprovision', before, after: policy }] }, events: [], status: 200,
      });
    }
    return true;
  }, ctx.now);
}
