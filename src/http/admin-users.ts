/**
 * The admin API routes of a tenant's platform users (docs/architecture.md, Admin
 * API; docs/scim-api.md "User lifecycle"):
 *
 * - `GET  /api/v1/tenants/{tenantId}/users[?userName=&limit=&after=]`
 * - `POST /api/v1/tenants/{tenantId}/users/{id}/suspend` and `/unsuspend`
 * - `GET  /api/v1/tenants/{tenantId}/access/{userId}`: the sign-in access check
 * - `GET  /api/v1/tenants/{tenantId}/users/{id}`: one user with its permissions and history
 * - `PATCH /api/v1/tenants/{tenantId}/users/{id}` with `{"suspended": boolean}`; identity-provider-owned
 *   attributes are refused (409 `managed_by_idp` while managed)
 *
 * Writes go through the directory's use cases (one unit of work each, audited with
 * the operator as actor). Errors are admin catalogue codes, never a 500 for input.
 */
import type { IncomingMessage } from 'node:http';
import { accessCheck, setSuspension } from '../directory/lifecycle.ts';
import type { ActorContext } from '../directory/unit-of-work.ts';
import type { PlatformUser } from '../domain/platform-user.ts';
import { ScimError } from '../scim/errors.ts';
import { foldCase } from '../scim/schema/fold.ts';
import type { Store } from '../store/store.ts';
import { ManagedByIdpError } from '../directory/roles.ts';
import { PROFILE_MAPPING } from '../directory/profile.ts';
import { auditView } from './admin-audit.ts';
import { readAdminJson } from './admin-body.ts';
import { AdminError } from './admin-errors.ts';
import type { MountContext } from './mount.ts';

/** Default and largest page of `GET …/users`. */
export const ADMIN_USERS_DEFAULT_LIMIT = 100;
export const ADMIN_USERS_MAX_LIMIT = 1000;

const allow = (methods: string): Error =>
  new AdminError('method_not_allowed', `Method not allowed here; allowed: ${methods}`, { allow: methods });

/** The public id of a Roster operator token (`roster_op_<id>_…`, not secret), else `host`. */
function operatorId(token: string): string {
  return /^roster_op_([0-9A-Za-z]{1,64})_/.exec(token)?.[1] ?? 'host';
}

/** The audit context of an admin request: the operator as actor. */
export function operatorAudit(ctx: MountContext, method: string, token: string): ActorContext {
  return { actor: { kind: 'operator', id: operatorId(token) }, requestId: ctx.requestId, method, path: ctx.pathname };
}

/** The admin list's view of a user: `roles` are the ids of its roles (docs/scim-api.md "Roles and permissions"). */
const view = (u: PlatformUser, roles: readonly string[]): Record<string, unknown> => ({
  id: u.id,
  userName: u.userName,
  externalId: u.externalId,
  status: u.status,
  managed: u.managed,
  roles,
  deprovisionedAt: u.deprovisionedAt,
  suspendedAt: u.suspendedAt,
});

/** `limit` (1 to the maximum, default 100) and `after` of a paged admin list; 400 `invalid_request` when malformed. */
export function adminPage(query: URLSearchParams): { limit: number; after?: string } {
  const rawLimit = query.get('limit');
  let limit = ADMIN_USERS_DEFAULT_LIMIT;
  if (rawLimit !== null) {
    if (!/^\d{1,7}$/.test(rawLimit) || Number(rawLimit) < 1) throw new AdminError('invalid_request', '"limit" must be a positive integer');
    limit = Math.min(Number(rawLimit), ADMIN_USERS_MAX_LIMIT);
  }
  const after = query.get('after') ?? undefined;
  if ((after?.length ?? 0) > 256) throw new AdminError('invalid_request', '"after" is too long');
  return { limit, ...(after !== undefined ? { after } : {}) };
}

function pageParams(query: URLSearchParams): { limit: number; after?: string; nameFold?: string } {
  const userName = query.get('userName') ?? undefined;
  if ((userName?.length ?? 0) > 1024) throw new AdminError('invalid_request', '"userName" is too long');
  return { ...adminPage(query), ...(userName !== undefined ? { nameFold: foldCase(userName) } : {}) };
}

/** Most audit rows in a user's `history` (oldest first); the audit API pages through the rest. */
export const USER_HISTORY_LIMIT = 100;

/**
 * One user as the admin API reads it: the list view, its effective permissions (none
 * unless active, like the access check) and its history from the audit log.
 */
async function userDetail(store: Store, tenantId: string, id: string): Promise<Record<string, unknown>> {
  const u = await store.users.get(tenantId, id);
  if (u === undefined) throw new AdminError('not_found', 'No such user');
  const roles = (await store.roles.rolesOf(tenantId, [id])).get(id) ?? [];
  const { permissions } = await accessCheck(store, tenantId, id);
  const history = await store.listAuditEvents(tenantId, { resourceType: 'User', resourceId: id, limit: USER_HISTORY_LIMIT });
  return {
    ...view(u, roles),
    permissions,
    history: history.map(auditView),
  };
}

/** Attributes of a user that come from the identity provider: the profile mapping's fields and SCIM names. */
const IDP_OWNED = new Set([...PROFILE_MAPPING.map((m) => m.field), 'userName', 'externalId', 'active', 'name', 'emails', 'phoneNumbers', 'addresses', 'title', 'displayName']);

/**
 * `PATCH …/users/{id}`: the platform-owned field `suspended` changes; an attribute the
 * identity provider owns is refused with 409 — `managed_by_idp` naming the provider
 * while the user is managed, `conflict` otherwise (the profile comes only from SCIM,
 * docs/scim-api.md "User lifecycle") — and nothing changes.
 */
async function patchUser(lc: { store: Store; tenantId: string; audit: ActorContext; now: () => Date }, body: Record<string, unknown>, id: string): Promise<unknown> {
  const unknown = Object.keys(body).find((k) => k !== 'suspended' && !IDP_OWNED.has(k));
  if (unknown !== undefined) throw new AdminError('invalid_request', `Unknown member ${JSON.stringify(unknown.slice(0, 64))}; the platform-owned field is "suspended"`);
  if (body['suspended'] !== undefined && typeof body['suspended'] !== 'boolean') throw new AdminError('invalid_request', '"suspended" must be true or false');
  const u = await lc.store.users.get(lc.tenantId, id);
  if (u === undefined) throw new AdminError('not_found', 'No such user');
  const owned = Object.keys(body).filter((k) => IDP_OWNED.has(k));
  if (owned.length > 0) {
    const what = `The ${owned.map((k) => JSON.stringify(k)).join(', ')} of user ${JSON.stringify(u.userName.slice(0, 64))}`;
    if (u.managed) throw new AdminError('managed_by_idp', new ManagedByIdpError(what, (await lc.store.getTenant(lc.tenantId))?.idp ?? 'unknown').message);
    throw new AdminError('conflict', `${what} comes from SCIM provisioning and is not edited on the platform; platform-owned fields ("suspended") stay editable`);
  }
  const next = body['suspended'] === undefined ? u : await mapped(() => setSuspension(lc, id, body['suspended'] as boolean));
  return view(next, (await lc.store.roles.rolesOf(lc.tenantId, [id])).get(id) ?? []);
}

/** Use-case errors become catalogue errors (404 `not_found`); anything else is internal. */
async function mapped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ScimError && e.status === 404) throw new AdminError('not_found', e.detail);
    throw e;
  }
}

/**
 * Answers `tenants/{tenantId}/…` (segments after `/api/v1`); undefined when the path
 * is not one of these routes.
 */
export async function routeTenantUsers(
  store: Store, req: IncomingMessage, method: string, segments: readonly string[], ctx: MountContext, token: string,
): Promise<unknown> {
  if (segments[0] !== 'tenants' || segments.length < 2) return undefined;
  const tenantId = segments[1]!;
  const rest = segments.slice(2);
  const known = (rest.length === 1 && rest[0] === 'users') || (rest.length === 2 && (rest[0] === 'access' || rest[0] === 'users'))
    || (rest.length === 3 && rest[0] === 'users' && (rest[2] === 'suspend' || rest[2] === 'unsuspend'));
  if (!known) return undefined;
  if ((await store.getTenant(tenantId)) === undefined) throw new AdminError('not_found', 'No such tenant');
  const audit = operatorAudit(ctx, method, token);
  const lc = { store, tenantId, audit, now: () => new Date() };

  if (rest[0] === 'users' && rest.length === 1) {
    if (method !== 'GET' && method !== 'HEAD') throw allow('GET, HEAD');
    const page = pageParams(ctx.query);
    const users = await store.users.list(tenantId, page);
    const next = users.length === page.limit ? users[users.length - 1]!.id : null;
    const roles = await store.roles.rolesOf(tenantId, users.map((u) => u.id));
    return { users: users.map((u) => view(u, roles.get(u.id) ?? [])), next };
  }
  if (rest[0] === 'users' && rest.length === 2) {
    if (method === 'PATCH') return patchUser(lc, await readAdminJson(req), rest[1]!);
    if (method !== 'GET' && method !== 'HEAD') throw allow('GET, HEAD, PATCH');
    return userDetail(store, tenantId, rest[1]!);
  }
  if (rest[0] === 'access') {
    if (method !== 'GET' && method !== 'HEAD') throw allow('GET, HEAD');
    return mapped(() => accessCheck(store, tenantId, rest[1]!));
  }
  if (method !== 'POST') throw allow('POST');
  const u = await mapped(() => setSuspension(lc, rest[1]!, rest[2] === 'suspend'));
  return view(u, (await store.roles.rolesOf(tenantId, [u.id])).get(u.id) ?? []);
}
