/**
 * Roles and permissions of the platform (docs/scim-api.md "Roles and permissions"):
 * every SCIM Group is a role (same id, its displayName the name, its direct User
 * members the role's members); administrators grant the catalogue's permissions to
 * roles, one unit of work each (docs/audit.md). SCIM never changes a grant
 * (docs/reliability.md AU-9).
 */
import { randomUUID } from 'node:crypto';
import { invalidValue, notFound, ScimError } from '../scim/errors.ts';
import type { Permission, Role } from '../domain/role.ts';
import type { StoreTx } from '../store/store.ts';
import type { LifecycleContext } from './lifecycle.ts';
import { runUnitOfWork } from './unit-of-work.ts';

/** A grant naming permissions outside the catalogue. */
export class UnknownPermissionError extends Error {
  readonly unknown: readonly string[];
  constructor(unknown: readonly string[]) {
    super(`Unknown permission ${unknown.slice(0, 5).map((n) => JSON.stringify(n.length > 64 ? `${n.slice(0, 64)}…` : n)).join(', ')}: grant only names of GET /api/v1/permissions`);
    this.name = 'UnknownPermissionError';
    this.unknown = unknown;
  }
}

const noRole = (id: string): Error => notFound(`Role ${JSON.stringify(id.length > 64 ? `${id.slice(0, 64)}…` : id)} not found`);

/**
 * Replaces the permissions of a role with `permissions` (names of `catalogue`,
 * duplicates ignored). One unit of work: the grants, an audit row (operation
 * `set_permissions`, the operator as actor) and the outbox event
 * `role.permissions_changed`; no change, no audit row.
 * @throws UnknownPermissionError, or 404 when the role does not exist.
 */
export async function setRolePermissions(
  ctx: LifecycleContext, catalogue: readonly Permission[], id: string, permissions: readonly string[],
): Promise<Role> {
  const known = new Set(catalogue.map((p) => p.name));
  const unknown = [...new Set(permissions.filter((p) => !known.has(p)))];
  if (unknown.length > 0) throw new UnknownPermissionError(unknown);
  const next = [...new Set(permissions)].sort();
  return runUnitOfWork(ctx.store, ctx.audit, async (uow) => {
    const cur = await uow.tx.roles.get(ctx.tenantId, id);
    if (cur === undefined) throw noRole(id);
    if (cur.permissions.length === next.length && cur.permissions.every((p, i) => p === next[i])) return cur;
    await uow.tx.roles.setPermissions(ctx.tenantId, id, next);
    uow.record({
      tenantId: ctx.tenantId,
      resourceType: 'Role',
      resourceId: id,
      operation: 'set_permissions',
      change: { attributes: [{ path: 'permissions', before: cur.permissions, after: next }] },
      events: [{ type: 'role.permissions_changed', payload: { id, name: cur.name, before: cur.permissions, after: next } }],
      status: 200,
    });
    return { ...cur, permissions: next };
  }, ctx.now);
}

/**
 * SCIM PUT, PATCH and DELETE of a Group created on the platform are refused with 403
 * (RFC 7644 §3.12: not permitted for this client): the identity provider may read it
 * but never change, delete or join it (docs/scim-api.md "Roles and permissions").
 */
export async function refusePlatformRole(tx: Pick<StoreTx, 'roles'>, tenantId: string, id: string): Promise<void> {
  if (await tx.roles.isPlatform(tenantId, id)) {
    throw new ScimError(403, 'This group is a role created on the platform: the identity provider cannot change, delete or join it; an administrator manages it in the platform (admin API).');
  }
}

/**
 * Creates a role on the platform (not managed by the identity provider): a Group with
 * this displayName and no members, marked platform-owned, no permissions. One unit of
 * work, audited (operation `create`), event `role.created`.
 * @throws 409 `uniqueness` when a group of the tenant has that name (RFC 7643 §4.1.1 folding).
 */
export async function createPlatformRole(ctx: LifecycleContext, name: string): Promise<Role> {
  if (name.trim() === '' || name.length > 256) throw invalidValue('"name" must be 1-256 characters');
  const id = randomUUID();
  const at = ctx.now().toISOString();
  return runUnitOfWork(ctx.store, ctx.audit, async (uow) => {
    await uow.tx.insertResource({ tenantId: ctx.tenantId, type: 'Group', id, data: { displayName: name }, version: 1, created: at, lastModified: at });
    await uow.tx.roles.markPlatform(ctx.tenantId, id);
    uow.record({
      tenantId: ctx.tenantId,
      resourceType: 'Group',
      resourceId: id,
      operation: 'create',
      change: { attributes: [{ path: 'displayName', after: name }] },
      events: [{ type: 'role.created', payload: { id, displayName: name } }],
      status: 200,
    });
    const role = await uow.tx.roles.get(ctx.tenantId, id);
    if (role === undefined) throw noRole(id);
    return role;
  }, ctx.now);
}

/** A change the admin API may not make: the attribute belongs to the tenant's identity provider. */
export class ManagedByIdpError extends Error {
  constructor(what: string, idp: string) {
    super(`${what} is managed by the tenant's identity provider (${idp}): change it there, it syncs here over SCIM. Platform-owned fields (role permissions, suspension) stay editable in this API.`);
    this.name = 'ManagedByIdpError';
  }
}

/**
 * Renames a role created on the platform (its Group's displayName), one unit of work,
 * audited (`patch`), event `role.updated`. A managed role's name belongs to the identity
 * provider: `ManagedByIdpError` (docs/scim-api.md "Roles and permissions").
 * @throws 404 when there is no such role, 409 `uniqueness` when the name is taken.
 */
export async function renamePlatformRole(ctx: LifecycleContext, idp: string, id: string, name: string): Promise<Role> {
  if (name.trim() === '' || name.length > 256) throw invalidValue('"name" must be 1-256 characters');
  return runUnitOfWork(ctx.store, ctx.audit, async (uow) => {
    const role = await uow.tx.roles.get(ctx.tenantId, id);
    if (role === undefined) throw noRole(id);
    if (role.managed) throw new ManagedByIdpError(`The name of role ${JSON.stringify(role.name.slice(0, 64))}`, idp);
    if (role.name === name) return role;
    const cur = await uow.tx.getResource(ctx.tenantId, 'Group', id, { withMembers: false, withGroups: false });
    if (cur === undefined) throw noRole(id);
    const data = { ...cur.data, displayName: name };
    const { members: _m, groups: _g, sortValue: _s, ...base } = cur;
    if (!(await uow.tx.updateResource({ ...base, data, version: cur.version + 1, lastModified: ctx.now().toISOString() }, cur.version))) throw noRole(id);
    uow.record({
      tenantId: ctx.tenantId,
      resourceType: 'Group',
      resourceId: id,
      operation: 'patch',
      change: { attributes: [{ path: 'displayName', before: role.name, after: name }] },
      events: [{ type: 'role.updated', payload: { id, displayName: name, attributes: ['displayName'] } }],
      status: 200,
    });
    return { ...role, name };
  }, ctx.now);
}
