/**
 * Tenant administration: create (with a first API key), list, rotate the key,
 * revoke the keys, delete. Used by the CLI now and by the admin API later.
 * Plaintext keys are returned exactly once, by `createTenant` and `rotateKey`
 * (AU-4). Every change is one store transaction (docs/cli.md).
 */
import { IDPS } from '../domain/tenant.ts';
import type { Store } from '../store/store.ts';
import type { ApiKeyRecord, IdpName, Tenant } from '../domain/tenant.ts';
import type { Config } from '../config.ts';
import { resolvePublicUrl } from '../config.ts';
import { generateApiKey, isExpired, maskApiKey, randomString } from './api-keys.ts';
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

export interface CreatedTenant {
  readonly tenant: Tenant;
  /** The plaintext key: shown once, never stored. */
  readonly apiKey: string;
  readonly scimBaseUrl: string;
}

/** Creates a tenant and its first API key, in one transaction (both or neither). */
export async function createTenant(
  store: Store,
  input: { name: string; idp: string },
  config: Pick<Config, 'publicUrl' | 'port'>,
  now: Date = new Date(),
): Promise<CreatedTenant> {
  const tenant: Tenant = {
    id: randomString(TENANT_ID_LENGTH, TENANT_ID_ALPHABET),
    name: validateTenantName(input.name),
    idp: validateIdp(input.idp),
    createdAt: now.toISOString(),
  };
  const key = generateApiKey(tenant.id, now);
  await store.createTenantWithKey(tenant, key.record);
  return { tenant, apiKey: key.plaintext, scimBaseUrl: scimBaseUrl(resolvePublicUrl(config), tenant.id) };
}

export interface RotatedKey {
  readonly tenant: Tenant;
  /** The new plaintext key: shown once. */
  readonly apiKey: string;
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
  await store.rotateApiKey(key.record, expiresAt);
  return { tenant, apiKey: key.plaintext, previousKeysExpireAt: expiresAt };
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
export async function revokeKeys(store: Store, tenantId: string, now: Date = new Date()): Promise<RevokedKeys> {
  const tenant = await store.getTenant(tenantId);
  if (!tenant) throw new TenantError('E_TENANT_NOT_FOUND', `no tenant with id "${tenantId}"`);
  const revokedAt = now.toISOString();
  const before = new Map((await store.listApiKeys(tenantId)).map((k) => [k.id, k.expiresAt]));
  const expired = await store.expireApiKeys(tenantId, revokedAt);
  return {
    tenant,
    revokedAt,
    revoked: expired.map((k) => ({ key: maskApiKey(k), createdAt: k.createdAt, previousExpiresAt: before.get(k.id) ?? null })),
  };
}

/** Deletes the tenant with its keys and resources; its keys fail at once. */
export async function deleteTenant(store: Store, tenantId: string): Promise<void> {
  if (!(await store.deleteTenant(tenantId))) throw new TenantError('E_TENANT_NOT_FOUND', `no tenant with id "${tenantId}"`);
}

export interface KeySummary {
  /** `roster_<id>_…<last4>`: never the secret. */
  readonly key: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly active: boolean;
}

export interface TenantSummary extends Tenant {
  readonly scimBaseUrl: string;
  readonly keys: readonly KeySummary[];
}

function summarizeKey(k: ApiKeyRecord, now: Date): KeySummary {
  return { key: maskApiKey(k), createdAt: k.createdAt, expiresAt: k.expiresAt, active: !isExpired(k, now) };
}

/** Every tenant with its SCIM base URL and masked keys. */
export async function listTenants(
  store: Store,
  config: Pick<Config, 'publicUrl' | 'port'>,
  now: Date = new Date(),
): Promise<TenantSummary[]> {
  const publicUrl = resolvePublicUrl(config);
  const tenants = await store.listTenants();
  return Promise.all(
    tenants.map(async (t) => ({
      ...t,
      scimBaseUrl: scimBaseUrl(publicUrl, t.id),
      keys: (await store.listApiKeys(t.id)).map((k) => summarizeKey(k, now)),
    })),
  );
}
