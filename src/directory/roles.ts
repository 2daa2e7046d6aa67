/**
 * Roles and permissions of the platform (docs/scim-api.md "Roles and permissions"):
 * every SCIM Group is a role (same id, its displayName the name, its direct User
 * members the role's members); administrators grant the catalogue's permissions to
 * roles, one unit of work each (docs/audit.md). SCIM never changes a grant
 * (docs/reliability.md AU-9).
 */
import { notFound } from '../scim/errors.ts';
import type { Permission, Role } from '../domain/role.ts';
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
