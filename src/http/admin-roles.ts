/**
 * The admin API routes of roles and permissions (docs/architecture.md, Admin API;
 * docs/scim-api.md "Roles and permissions"):
 *
 * - `GET /api/v1/permissions`: the deployment's catalogue (`--permissions`)
 * - `GET /api/v1/tenants/{tenantId}/roles[?limit=&after=]`
 * - `POST /api/v1/tenants/{tenantId}/roles` with `{"name": …}`: a role of the platform
 * - `PATCH /api/v1/tenants/{tenantId}/roles/{roleId}` with `{"name": …}`: renames a platform role
 *   (a managed role's name is the identity provider's: 409 `managed_by_idp`)
 * - `GET /api/v1/tenants/{tenantId}/roles/{roleId}/members[?limit=&after=]`
 * - `PUT /api/v1/tenants/{tenantId}/roles/{roleId}/permissions` with `{"permissions": [...]}`
 *
 * Roles are the tenant's SCIM Groups; grants go through `setRolePermissions` (one
 * unit of work, audited with the operator as actor).
 */
import type { IncomingMessage } from 'node:http';
import type { Permission } from '../domain/role.ts';
import { createPlatformRole, ManagedByIdpError, renamePlatformRole, setRolePermissions, UnknownPermissionError } from '../directory/roles.ts';
import { ScimError } from '../scim/errors.ts';
import type { Store } from '../store/store.ts';
import { readAdminJson } from './admin-body.ts';
import { AdminError } from './admin-errors.ts';
import { adminPage, operatorAudit } from './admin-users.ts';
import type { MountContext } from './mount.ts';

const allow = (methods: string): Error =>
  new AdminError('method_not_allowed', `Method not allowed here; allowed: ${methods}`, { allow: methods });



const noRole = (): Error => new AdminError('not_found', 'No such role');

/** Use-case errors of a role write as catalogue errors; anything else is internal. */
async function writeErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ManagedByIdpError) throw new AdminError('managed_by_idp', e.message);
    if (e instanceof ScimError && e.status === 404) throw noRole();
    if (e instanceof ScimError && e.status === 409) throw new AdminError('conflict', 'A role (group) of this tenant already has this name');
    if (e instanceof ScimError && e.status === 400) throw new AdminError('invalid_request', e.detail);
    throw e;
  }
}

/**
 * Answers `permissions` and `tenants/{tenantId}/roles…` (segments after `/api/v1`);
 * undefined when the path is not one of these routes.
 */
export async function routeRoles(
  store: Store, catalogue: readonly Permission[], req: IncomingMessage, method: string, segments: readonly string[], ctx: MountContext, token: string,
): Promise<unknown> {
  if (segments.length === 1 && segments[0] === 'permissions') {
    if (method !== 'GET' && method !== 'HEAD') throw allow('GET, HEAD');
    return { permissions: catalogue };
  }
  if (segments[0] !== 'tenants' || segments[2] !== 'roles') return undefined;
  const rest = segments.slice(3);
  const known = rest.length <= 1 || (rest.length === 2 && (rest[1] === 'members' || rest[1] === 'permissions'));
  if (!known) return undefined;
  const tenantId = segments[1]!;
  const tenant = await store.getTenant(tenantId);
  if (tenant === undefined) throw new AdminError('not_found', 'No such tenant');

  const lc = { store, tenantId, audit: operatorAudit(ctx, method, token), now: () => new Date() };
  if (rest.length === 0 && method === 'POST') {
    const body = await readAdminJson(req);
    const extra = Object.keys(body).filter((k) => k !== 'name');
    if (extra.length > 0) throw new AdminError('invalid_request', `Unknown member ${JSON.stringify(extra[0]!.slice(0, 64))}; allowed: "name"`);
    if (typeof body['name'] !== 'string') throw new AdminError('invalid_request', '"name" must be a string');
    return writeErrors(() => createPlatformRole(lc, body['name'] as string));
  }
  if (rest.length === 0) {
    if (method !== 'GET' && method !== 'HEAD') throw allow('GET, HEAD, POST');
    const p = adminPage(ctx.query);
    const roles = await store.roles.list(tenantId, p);
    return { roles, next: roles.length === p.limit ? roles[roles.length - 1]!.id : null };
  }
  const roleId = rest[0]!;
  if (rest.length === 1) {
    if (method !== 'PATCH') throw allow('PATCH');
    const body = await readAdminJson(req);
    const extra = Object.keys(body).filter((k) => k !== 'name');
    if (extra.length > 0) throw new AdminError('invalid_request', `Unknown member ${JSON.stringify(extra[0]!.slice(0, 64))}; allowed: "name" (permissions: PUT …/permissions)`);
    if (typeof body['name'] !== 'string') throw new AdminError('invalid_request', '"name" must be a string');
    return writeErrors(() => renamePlatformRole(lc, tenant.idp, roleId, body['name'] as string));
  }
  if (rest[1] === 'members') {
    if (method !== 'GET' && method !== 'HEAD') throw allow('GET, HEAD');
    const p = adminPage(ctx.query);
    const got = (await store.roles.get(tenantId, roleId)) === undefined ? undefined : await store.readMembers(tenantId, roleId, p);
    if (got === undefined) throw noRole();
    const members = got.members.map((m) => ({ id: m.value, type: m.type, ...(m.display !== undefined ? { display: m.display } : {}) }));
    return { members, next: members.length === p.limit ? members[members.length - 1]!.id : null };
  }
  if (method !== 'PUT') throw allow('PUT');
  const body = await readAdminJson(req);
  const extra = Object.keys(body).filter((k) => k !== 'permissions');
  if (extra.length > 0) throw new AdminError('invalid_request', `Unknown member ${JSON.stringify(extra[0]!.slice(0, 64))}; allowed: "permissions"`);
  const perms = body['permissions'];
  if (!Array.isArray(perms) || perms.length > 1000 || !perms.every((p): p is string => typeof p === 'string')) {
    throw new AdminError('invalid_request', '"permissions" must be an array of at most 1000 permission names');
  }
  try {
    return await setRolePermissions(lc, catalogue, roleId, perms);
  } catch (e) {
    if (e instanceof UnknownPermissionError) throw new AdminError('unknown_permission', e.message);
    if (e instanceof ScimError && e.status === 404) throw noRole();
    throw e;
  }
}
