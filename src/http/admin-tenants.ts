/**
 * The admin API routes of tenants and their SCIM setup (docs/architecture.md, Admin
 * API; docs/scim-api.md "API keys" and "Deleting a SCIM setup"):
 *
 * - `GET /api/v1/tenants`, `POST /api/v1/tenants` with `{"name", "idp", "deprovision"?}`
 *   → 201 with the SCIM base URL and the first API key (shown once)
 * - `GET | PATCH | DELETE /api/v1/tenants/{tenantId}`: read; change `name`, `idp`,
 *   `deprovision`; erase the tenant with everything it holds (its audit stays)
 * - `DELETE /api/v1/tenants/{tenantId}/scim?users=keep|deactivate|delete`: deletes the
 *   SCIM setup (keys revoked at once) and applies the choice to the provisioned users
 * - `GET | POST /api/v1/tenants/{tenantId}/keys`, `POST …/keys/rotate` with
 *   `{"graceSeconds"?}`, `DELETE …/keys/{keyId}`
 *
 * Every change is one unit of work of the directory or tenant administration,
 * audited with the operator as actor. Errors are catalogue codes, never a 500 for input.
 */
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config.ts';
import { setDeprovisionPolicy } from '../directory/lifecycle.ts';
import { deleteScimSetup, SETUP_DELETE_CHOICES } from '../directory/setup.ts';
import type { SetupDeleteChoice } from '../directory/setup.ts';
import { DEPROVISION_POLICIES } from '../domain/platform-user.ts';
import type { DeprovisionPolicy } from '../domain/platform-user.ts';
import type { Store } from '../store/store.ts';
import { createKey, listKeys, revokeKey } from '../tenants/key-admin.ts';
import { TenantError } from '../tenants/errors.ts';
import { createTenant, deleteTenant, getTenantSummary, listTenants, rotateKey, updateTenant } from '../tenants/tenants.ts';
import { AdminReply, readAdminJson } from './admin-body.ts';
import { AdminError } from './admin-errors.ts';
import { operatorAudit } from './admin-users.ts';
import type { MountContext } from './mount.ts';

/** What the tenant routes read of the config. */
export type AdminTenantsConfig = Pick<Config, 'publicUrl' | 'port' | 'keyMaxGraceMs'>;

/** Tenant administration errors as catalogue errors. */
async function mapped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!(e instanceof TenantError)) throw e;
    if (e.code === 'E_TENANT_NOT_FOUND' || e.code === 'E_KEY_NOT_FOUND') throw new AdminError('not_found', e.message);
    if (e.code === 'E_TOO_MANY_KEYS') throw new AdminError('conflict', e.message);
    throw new AdminError('invalid_request', e.message);
  }
}

function onlyMembers(body: Record<string, unknown>, allowed: readonly string[]): void {
  const extra = Object.keys(body).find((k) => !allowed.includes(k));
  if (extra !== undefined) throw new AdminError('invalid_request', `Unknown member ${JSON.stringify(extra.slice(0, 64))}; allowed: ${allowed.map((a) => `"${a}"`).join(', ')}`);
}

function policyOf(v: unknown): DeprovisionPolicy | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(DEPROVISION_POLICIES as readonly string[]).includes(v)) throw new AdminError('invalid_request', '"deprovision" must be "deactivate" or "delete"');
  return v as DeprovisionPolicy;
}

/** `graceSeconds` of a rotation: a whole number of seconds, 0 (the default) or more. */
function graceOf(v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new AdminError('invalid_request', '"graceSeconds" must be a whole number of seconds, 0 or more');
  return v * 1000;
}

/**
 * Answers the tenant routes (`params` from the route table); undefined when `path`
 * is not one of them.
 */
export async function routeTenants(
  store: Store, config: AdminTenantsConfig, req: IncomingMessage, method: string, path: string, params: Readonly<Record<string, string>>, ctx: MountContext, token: string,
): Promise<unknown> {
  const urls = { ...config, publicUrl: ctx.publicUrl };
  const audit = operatorAudit(ctx, method, token);
  const tenantId = params['tenantId'] ?? '';
  const now = new Date();
  switch (`${method === 'HEAD' ? 'GET' : method} ${path}`) {
    case 'GET /tenants':
      return { tenants: await listTenants(store, urls, now) };
    case 'POST /tenants': {
      const body = await readAdminJson(req);
      onlyMembers(body, ['name', 'idp', 'deprovision']);
      const deprovision = policyOf(body['deprovision']);
      const created = await mapped(() => createTenant(store, {
        name: body['name'] as string, idp: body['idp'] as string, ...(deprovision !== undefined ? { deprovision } : {}),
      }, urls, now, audit));
      return new AdminReply(201, { ...(await getTenantSummary(store, created.tenant.id, urls, now)), apiKey: created.apiKey });
    }
    case 'GET /tenants/{tenantId}':
      return mapped(() => getTenantSummary(store, tenantId, urls, now));
    case 'PATCH /tenants/{tenantId}': {
      const body = await readAdminJson(req);
      onlyMembers(body, ['name', 'idp', 'deprovision']);
      const deprovision = policyOf(body['deprovision']);
      if (body['name'] === undefined && body['idp'] === undefined && deprovision === undefined) {
        throw new AdminError('invalid_request', 'Nothing to change: send "name", "idp" or "deprovision"');
      }
      await mapped(async () => {
        if (body['name'] !== undefined || body['idp'] !== undefined) await updateTenant(store, tenantId, { name: body['name'], idp: body['idp'] }, audit, now);
        if (deprovision !== undefined && !(await setDeprovisionPolicy({ store, tenantId, audit, now: () => now }, deprovision))) {
          throw new TenantError('E_TENANT_NOT_FOUND', 'No such tenant');
        }
      });
      return mapped(() => getTenantSummary(store, tenantId, urls, now));
    }
    case 'DELETE /tenants/{tenantId}':
      await mapped(() => deleteTenant(store, tenantId, audit, now));
      return new AdminReply(204, undefined);
    case 'DELETE /tenants/{tenantId}/scim': {
      const users = ctx.query.get('users');
      if (users === null || !(SETUP_DELETE_CHOICES as readonly string[]).includes(users)) {
        throw new AdminError('invalid_request', `"users" must say what happens to the provisioned users: ${SETUP_DELETE_CHOICES.join(', ')}`);
      }
      const done = await deleteScimSetup({ store, tenantId, audit, now: () => now }, users as SetupDeleteChoice);
      if (done === undefined) throw new AdminError('not_found', 'No such tenant');
      return done;
    }
    case 'GET /tenants/{tenantId}/keys':
      return { keys: await mapped(() => listKeys(store, tenantId, now)) };
    case 'POST /tenants/{tenantId}/keys': {
      const body = await readAdminJson(req);
      onlyMembers(body, []);
      return new AdminReply(201, await mapped(() => createKey(store, tenantId, audit, now)));
    }
    case 'POST /tenants/{tenantId}/keys/rotate': {
      const body = await readAdminJson(req);
      onlyMembers(body, ['graceSeconds']);
      const graceMs = graceOf(body['graceSeconds']);
      const rotated = await mapped(() => rotateKey(store, tenantId, { graceMs }, config, now, audit));
      return new AdminReply(201, { ...rotated.issued, apiKey: rotated.apiKey, previousKeysExpireAt: rotated.previousKeysExpireAt });
    }
    case 'DELETE /tenants/{tenantId}/keys/{keyId}':
      return mapped(() => revokeKey(store, tenantId, params['keyId'] ?? '', audit, now));
    default:
      return undefined;
  }
}
