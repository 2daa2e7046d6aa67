/**
 * Tenant administration: create (with a first API key), list, rotate the key,
 * revoke the keys, delete. Used by the CLI now and by the admin API later.
 * Plaintext keys are returned exactly once, by `createTenant` and `rotateKey`
 * (AU-4). Every change is one unit of work (src/directory/unit-of-work.ts): the
 * change, its audit row and its `scim_setup.*` outbox event in one transaction
 * (docs/cli.md, docs/audit.md). Outbox payloads never carry a key.
 */
import { IDPS } from '../domain/tenant.ts';
import type { Store } from '../store/store.ts';
import type { IdpName, Tenant } from '../domain/tenant.ts';
import type { DeprovisionPolicy } from '../domain/platform-user.ts';
import { summarizeKey } from './key-admin.ts';
import type { KeySummary } from './key-admin.ts';
import type { Config } from '../config.ts';
import { resolvePublicUrl } from '../config.ts';
import { API_KEY_PREFIX, generateApiKey, maskApiKey, randomString } from './api-keys.ts';
import { CLI_ACTOR, runUnitOfWork } from '../directory/unit-of-work.ts';
import type { ActorContext, UnitOfWork } from '../directory/unit-of-work.ts';
import { TenantError } from './errors.ts';

const TENANT_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** 20 lowercase alphanumerics (~103 bits): URL-safe, and never a SCIM endpoint name (those are capitalised or start with '.'). */
const TENANT_ID_LENGTH = 20;
export const MAX_TENANT_NAME_LENGTH = 200;

/** The per-tenant SCIM base URL shown to administrators. */
export function scimBaseUrl(publicUrl: string, tenantId: string): string {
  return `${publicUrl}/scim/v2/${tenantId}`;
}

/** Trims and checks a tenant name (non-empty, at most 200 characters, no control characters). */
export function validateTenantName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') throw new TenantError('E_TENANT_NAME', 'the tenant name must not be empty');
  const trimmed = name.trim();
  if ([...trimmed].length > MAX_TENANT_NAME_LENGTH) {
    throw new TenantError('E_TENANT_NAME', `the tenant name must be at most ${MAX_TENANT_NAME_LENGTH} characters`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) throw new TenantError('E_TENANT_NAME', 'the tenant name must not contain control characters');
  return trimmed;
}

export function validateIdp(idp: unknown): IdpName {
  const found = IDPS.find((i) => typeof idp === 'string' && i === idp.trim().toLowerCase());
  if (!found) throw new TenantError('E_TENANT_IDP', `the identity provider must be one of ${IDPS.join(', ')}`);
  return found;
}

/** Records a change of a tenant's SCIM setup (resource type `ScimSetup`, id = the tenant id). */
function recordSetup(uow: UnitOfWork, tenantId: string, operation: string, type: string, change: unknown, payload: Record<string, unknown>): void {
  uow.record({ tenantId, resourceType: 'ScimSetup', resourceId: tenantId, operation, change, status: 0, events: [{ type, payload: { tenantId, ...payload } }] });
}

export interface CreatedTenant {
  readonly tenant: Tenant;
  /** The plaintext key: shown once, never stored. */
  readonly apiKey: string;
  readonly scimBaseUrl: string;
}

/** Creates a tenant and its first API key, in one transaction (both or neither). */
export async function createTenant(
  store: Store,
  input: { name: string; idp: string; deprovision?: DeprovisionPolicy },
  config: Pick<Config, 'publicUrl' | 'port'>,
  now: Date = new Date(),
  actor: ActorContext = CLI_ACTOR,
): Promise<CreatedTenant> {
  const tenant: Tenant = {
    id: randomString(TENANT_ID_LENGTH, TENANT_ID_ALPHABET),
    name: validateTenantName(input.name),
    idp: validateIdp(input.idp),
    createdAt: now.toISOString(),
  };
  const key = generateApiKey(tenant.id, now);
  // Both or neither: a crash never leaves a tenant that no key can reach.
  await runUnitOfWork(store, { ...actor, idp: tenant.idp }, async (uow) => {
    await uow.tx.createTenant(tenant);
    await uow.tx.insertApiKey(key.record);
    if (input.deprovision !== undefined) await uow.tx.users.setDeprovisionPolicy(tenant.id, input.deprovision);
    const attributes = [{ path: 'name', after: tenant.name }, { path: 'idp', after: tenant.idp }, ...(input.deprovision !== undefined ? [{ path: 'deprovision', after: input.deprovision }] : [])];
    recordSetup(uow, tenant.id, 'create', 'scim_setup.created', { attributes, key: `${API_KEY_PREFIX}${key.record.id}` }, { name: tenant.name, idp: tenant.idp });
  }, () => now);
  return { tenant, apiKey: key.plaintext, scimBaseUrl: scimBaseUrl(resolvePublicUrl(config), tenant.id) };
}

export interface RotatedKey {
  readonly tenant: Tenant;
  /** The new plaintext key: shown once. */
  readonly apiKey: string;
  /** The new key as listed (prefix and times). */
  readonly issued: KeySummary;
  /** When the previous keys stop working (now, unless a grace period was asked for). */
  readonly previousKeysExpireAt: string;
}

/**
 * Issues a new key and expires every other live key of the tenant at
 * `now + grace` (default 0: at once, AU-6). The grace is bounded by
 * `config.keyMaxGraceMs`. One transaction: old keys are expired, then the new
 * one is stored (never caught by the expiry); a failure changes nothing.
 */
export async function rotateKey(
  store: Store,
  tenantId: string,
  opts: { graceMs?: number },
  config: Pick<Config, 'keyMaxGraceMs'>,
  now: Date = new Date(),
  actor: ActorContext = CLI_ACTOR,
): Promise<RotatedKey> {
  const graceMs = opts.graceMs ?? 0;
  if (!Number.isSafeInteger(graceMs) || graceMs < 0) throw new TenantError('E_GRACE', 'the grace period must be a non-negative duration');
  if (graceMs > config.keyMaxGraceMs) {
    throw new TenantError('E_GRACE', `the grace period must not exceed ${config.keyMaxGraceMs / 1000}s (--key-max-grace)`);
  }
  const tenant = await store.getTenant(tenantId);
  if (!tenant) throw new TenantError('E_TENANT_NOT_FOUND', `no tenant with id "${tenantId}"`);
  const expiresAt = new Date(now.getTime() + graceMs).toISOString();
  const key = generateApiKey(tenantId, now);
  // Old keys expired, then the new one stored (never caught by the expiry); both or neither.
  await runUnitOfWork(store, { ...actor, idp: tenant.idp }, async (uow) => {
    const expired = await uow.tx.expireApiKeys(tenantId, expiresAt);
    await uow.tx.insertApiKey(key.record);
    const change = { key: `${API_KEY_PREFIX}${key.record.id}`, previousKeys: expired.map((k) => `${API_KEY_PREFIX}${k.id}`), previousKeysExpireAt: expiresAt };
    recordSetup(uow, tenantId, 'rotate_key', 'scim_setup.key_rotated', change, { previousKeysExpireAt: expiresAt });
  }, () => now);
  return { tenant, apiKey: key.plaintext, issued: summarizeKey(key.record, now), previousKeysExpireAt: expiresAt };
}

export interface RevokedKeys {
  readonly tenant: Tenant;
  /** When they stopped working. */
  readonly revokedAt: string;
  /** The keys that were live and no longer are (masked), with their previous expiry. */
  readonly revoked: readonly { key: string; createdAt: string; previousExpiresAt: string | null }[];
}

/**
 * Revokes every live key of the tenant at once, without issuing a new one (a
 * leaked key; a client being offboarded). One statement: the keys stop working
 * together, in every process sharing the store (keys are never cached). Keys
 * already expired are left as they are. No live key is not an error.
 */
export async function revokeKeys(store: Store, tenantId: string, now: Date = new Date(), actor: ActorContext = CLI_ACTOR): Promise<RevokedKeys> {
  const tenant = await store.getTenant(tenantId);
  if (!tenant) throw new TenantError('E_TENANT_NOT_FOUND', `no tenant with id "${tenantId}"`);
  const revokedAt = now.toISOString();
  const before = new Map((await store.listApiKeys(tenantId)).map((k) => [k.id, k.expiresAt]));
  const expired = await runUnitOfWork(store, { ...actor, idp: tenant.idp }, async (uow) => {
    const keys = await uow.tx.expireApiKeys(tenantId, revokedAt);
    const change = { revoked: keys.map((k) => `${API_KEY_PREFIX}${k.id}`), revokedAt };
    // No live key: nothing changed, nothing recorded.
    if (keys.length > 0) recordSetup(uow, tenantId, 'revoke_keys', 'scim_setup.keys_revoked', change, { revokedAt, count: keys.length });
    return keys;
  }, () => now);
  return {
    tenant,
    revokedAt,
    revoked: expired.map((k) => ({ key: maskApiKey(k), createdAt: k.createdAt, previousExpiresAt: before.get(k.id) ?? null })),
  };
}

/** Deletes the tenant with its keys and resources; its keys fail at once. */
export async function deleteTenant(store: Store, tenantId: string, actor: ActorContext = CLI_ACTOR, now: Date = new Date()): Promise<void> {
  const tenant = await store.getTenant(tenantId);
  if (!tenant) throw new TenantError('E_TENANT_NOT_FOUND', `no tenant with id "${tenantId}"`);
  await runUnitOfWork(store, { ...actor, idp: tenant.idp }, async (uow) => {
    if (!(await uow.tx.deleteTenant(tenantId))) throw new TenantError('E_TENANT_NOT_FOUND', `no tenant with id "${tenantId}"`);
    // The audit and outbox rows have no foreign key to the tenant: they outlive it (docs/audit.md).
    recordSetup(uow, tenantId, 'delete', 'scim_setup.deleted', { attributes: [{ path: 'name', before: tenant.name }] }, {});
  }, () => now);
}

export interface TenantSummary extends Tenant {
  readonly scimBaseUrl: string;
  /** What a DELETE from the identity provider does (docs/scim-api.md "User lifecycle"). */
  readonly deprovision: DeprovisionPolicy;
  /** Whether a key can reach the SCIM endpoint now (false after the setup was deleted or its keys revoked). */
  readonly scimEnabled: boolean;
  readonly keys: readonly KeySummary[];
}

async function summarize(store: Store, t: Tenant, publicUrl: string, now: Date): Promise<TenantSummary> {
  const keys = (await store.listApiKeys(t.id)).map((k) => summarizeKey(k, now));
  return {
    ...t,
    scimBaseUrl: scimBaseUrl(publicUrl, t.id),
    deprovision: await store.users.deprovisionPolicy(t.id),
    scimEnabled: keys.some((k) => k.active),
    keys,
  };
}

/** One tenant's summary; `E_TENANT_NOT_FOUND` when there is none. */
export async function getTenantSummary(store: Store, tenantId: string, config: Pick<Config, 'publicUrl' | 'port'>, now: Date = new Date()): Promise<TenantSummary> {
  const tenant = await store.getTenant(tenantId);
  if (!tenant) throw new TenantError('E_TENANT_NOT_FOUND', `no tenant with id "${tenantId}"`);
  return summarize(store, tenant, resolvePublicUrl(config), now);
}

/**
 * Renames a tenant and/or changes its identity provider (which selects its
 * compatibility profile from the next request on). One unit of work, audited with
 * the attribute-level change; nothing changed, nothing recorded.
 */
export async function updateTenant(
  store: Store, tenantId: string, change: { name?: unknown; idp?: unknown }, actor: ActorContext = CLI_ACTOR, now: Date = new Date(),
): Promise<Tenant> {
  const next = {
    ...(change.name !== undefined ? { name: validateTenantName(change.name) } : {}),
    ...(change.idp !== undefined ? { idp: validateIdp(change.idp) } : {}),
  };
  return runUnitOfWork(store, actor, async (uow) => {
    const tenant = await store.getTenant(tenantId);
    if (!tenant || !(await uow.tx.updateTenant(tenantId, next))) throw new TenantError('E_TENANT_NOT_FOUND', `no tenant with id "${tenantId}"`);
    const after: Tenant = { ...tenant, ...next };
    const attributes = (['name', 'idp'] as const).filter((k) => tenant[k] !== after[k]).map((k) => ({ path: k, before: tenant[k], after: after[k] }));
    if (attributes.length > 0) recordSetup(uow, tenantId, 'update', 'scim_setup.updated', { attributes }, { name: after.name, idp: after.idp });
    return after;
  }, () => now);
}

/** Every tenant with its SCIM base URL and masked keys. */
export async function listTenants(
  store: Store,
  config: Pick<Config, 'publicUrl' | 'port'>,
  now: Date = new Date(),
): Promise<TenantSummary[]> {
  const publicUrl = resolvePublicUrl(config);
  const tenants = await store.listTenants();
  return Promise.all(tenants.map((t) => summarize(store, t, publicUrl, now)));
}
