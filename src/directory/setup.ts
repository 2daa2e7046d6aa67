/**
 * Deleting a tenant's SCIM setup (docs/scim-api.md "Deleting a SCIM setup"): every
 * key stops working at once, and the administrator's choice decides what happens to
 * what the identity provider provisioned:
 *
 * - `keep`: users and roles stay as they are, without the managed mark (the platform
 *   owns them from now on; roles become platform roles);
 * - `deactivate`: every user is deprovisioned as a SCIM DELETE under the `deactivate`
 *   policy would (inactive, history and memberships kept, restorable by a later setup
 *   that creates the same externalId or userName); roles stay, unmarked;
 * - `delete`: every user, deprovisioned ones included, and every role the identity
 *   provider created are erased; the audit keeps only ids and userNames.
 *
 * One unit of work: the keys, every user and role, one audit row per change and the
 * `scim_setup.deleted` event commit together or not at all. The tenant itself stays
 * (its users, roles and audit remain reachable from the admin API); a new key makes a
 * new setup.
 */
import type { PlatformUser } from '../domain/platform-user.ts';
import { API_KEY_PREFIX } from '../tenants/api-keys.ts';
import type { LifecycleContext } from './lifecycle.ts';
import { runUnitOfWork } from './unit-of-work.ts';
import type { UnitOfWork } from './unit-of-work.ts';

/** What happens to the provisioned users when a SCIM setup is deleted. */
export const SETUP_DELETE_CHOICES = ['keep', 'deactivate', 'delete'] as const;
export type SetupDeleteChoice = (typeof SETUP_DELETE_CHOICES)[number];

/** What a setup deletion did. */
export interface DeletedSetup {
  readonly tenantId: string;
  readonly users: SetupDeleteChoice;
  readonly revokedKeys: number;
  /** Users kept, deactivated or deleted. */
  readonly usersAffected: number;
  /** Roles kept (unmarked) or deleted. */
  readonly rolesAffected: number;
  readonly deletedAt: string;
}

const PAGE = 500;

/** Every row of a paged listing by id (users or roles), read inside the transaction. */
async function all<T extends { id: string }>(list: (page: { limit: number; after?: string }) => Promise<readonly T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let after: string | undefined; ;) {
    const page = await list({ limit: PAGE, ...(after !== undefined ? { after } : {}) });
    out.push(...page);
    if (page.length < PAGE) return out;
    after = page[page.length - 1]!.id;
  }
}

async function deactivateUser(uow: UnitOfWork, tenantId: string, user: PlatformUser, at: string): Promise<boolean> {
  const { tx } = uow;
  const { id, status: before } = user;
  // A user already deprovisioned has no SCIM row left to hide.
  const cur = await tx.getResource(tenantId, 'User', id, { withMembers: false, withGroups: true });
  if (cur === undefined) return false;
  await tx.users.hide(tenantId, id, { version: cur.version, created: cur.created, groups: (cur.groups ?? []).map((g) => g.value) }, at);
  await tx.deleteResource(tenantId, 'User', id);
  uow.record({
    tenantId, resourceType: 'User', resourceId: id, operation: 'deactivate', status: 200,
    change: { reason: 'scim_setup_deleted', attributes: [{ path: 'status', before, after: before === 'suspended' ? 'suspended' : 'inactive' }] },
    events: [{ type: 'user.deactivated', payload: { id, reason: 'scim_setup_deleted' } }],
  });
  return true;
}

async function deleteUser(uow: UnitOfWork, tenantId: string, id: string, userName: string): Promise<void> {
  // A SCIM row deletes its platform row by trigger; a deprovisioned user has only the
  // platform row, erased with the others by `eraseHidden`.
  await uow.tx.deleteResource(tenantId, 'User', id);
  uow.record({
    tenantId, resourceType: 'User', resourceId: id, operation: 'delete', status: 204,
    // The person is erased: the audit keeps that it existed, nothing beyond id and userName.
    change: { reason: 'scim_setup_deleted', attributes: [{ path: 'userName', before: userName }] },
    events: [{ type: 'user.deleted', payload: { id, reason: 'scim_setup_deleted' } }],
  });
}

/** Deletes the tenant's SCIM setup; `undefined` when there is no such tenant. */
export async function deleteScimSetup(ctx: LifecycleContext, choice: SetupDeleteChoice): Promise<DeletedSetup | undefined> {
  const { tenantId } = ctx;
  const tenant = await ctx.store.getTenant(tenantId);
  if (tenant === undefined) return undefined;
  return runUnitOfWork(ctx.store, { ...ctx.audit, idp: tenant.idp }, async (uow) => {
    const { tx } = uow;
    const at = ctx.now().toISOString();
    const keys = await tx.expireApiKeys(tenantId, at);
    const users = await all((page) => tx.users.list(tenantId, page));
    // The roles the identity provider created (not the platform's own).
    const roles = (await all((page) => tx.roles.list(tenantId, page))).filter((r) => r.managed).map((r) => r.id);
    let usersAffected = 0;
    if (choice === 'delete') {
      for (const u of users) await deleteUser(uow, tenantId, u.id, u.userName);
      usersAffected = users.length;
      await tx.users.eraseHidden(tenantId);
      for (const id of roles) {
        await tx.deleteResource(tenantId, 'Group', id);
        uow.record({ tenantId, resourceType: 'Group', resourceId: id, operation: 'delete', status: 204, change: { reason: 'scim_setup_deleted' }, events: [{ type: 'role.deleted', payload: { id } }] });
      }
    } else {
      if (choice === 'deactivate') {
        for (const u of users) if (await deactivateUser(uow, tenantId, u, at)) usersAffected++;
      } else {
        usersAffected = users.length;
      }
      await tx.users.releaseAll(tenantId);
      for (const id of roles) await tx.roles.markPlatform(tenantId, id);
    }
    uow.record({
      tenantId, resourceType: 'ScimSetup', resourceId: tenantId, operation: 'delete_setup', status: 200,
      change: { users: choice, revokedKeys: keys.map((k) => `${API_KEY_PREFIX}${k.id}`), usersAffected, rolesAffected: roles.length },
      events: [{ type: 'scim_setup.deleted', payload: { tenantId, users: choice, usersAffected, rolesAffected: roles.length } }],
    });
    return { tenantId, users: choice, revokedKeys: keys.length, usersAffected, rolesAffected: roles.length, deletedAt: at };
  }, ctx.now);
}
