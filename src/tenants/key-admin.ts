/**
 * A tenant's SCIM API keys one by one (docs/scim-api.md "API keys"): issue an
 * additional key (shown once), list them by prefix with their creation, expiry and
 * last-use times, revoke one. Rotation of all keys is `rotateKey` (tenants.ts).
 * Each change is one unit of work, audited with its actor (docs/audit.md); the
 * audit and the outbox name a key by its public prefix, never by its secret (AU-4).
 */
import type { ApiKeyRecord, Tenant } from '../domain/tenant.ts';
import type { Store } from '../store/store.ts';
import { CLI_ACTOR, runUnitOfWork } from '../directory/unit-of-work.ts';
import type { ActorContext } from '../directory/unit-of-work.ts';
import { API_KEY_PREFIX, generateApiKey, isExpired, maskApiKey } from './api-keys.ts';
import { TenantError } from './errors.ts';

/** Most live keys one tenant may hold at once (rotation needs two; a few more for overlaps). */
export const MAX_LIVE_KEYS = 10;

/** A key as listed: its prefix and times, never the secret or its digest. */
export interface KeySummary {
  /** The public id part of the key (`roster_<id>_…`). */
  readonly id: string;
  /** `roster_<id>_…<last4>`: never the secret. */
  readonly key: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly active: boolean;
}

/** The listed view of one key. */
export function summarizeKey(k: ApiKeyRecord, now: Date = new Date()): KeySummary {
  return { id: k.id, key: maskApiKey(k), createdAt: k.createdAt, expiresAt: k.expiresAt, lastUsedAt: k.lastUsedAt ?? null, active: !isExpired(k, now) };
}

async function tenantOf(store: Store, tenantId: string): Promise<Tenant> {
  const tenant = await store.getTenant(tenantId);
  if (!tenant) throw new TenantError('E_TENANT_NOT_FOUND', `no tenant with id "${tenantId}"`);
  return tenant;
}

/** The tenant's keys, oldest first. */
export async function listKeys(store: Store, tenantId: string, now: Date = new Date()): Promise<KeySummary[]> {
  await tenantOf(store, tenantId);
  return (await store.listApiKeys(tenantId)).map((k) => summarizeKey(k, now));
}

/** A key just issued: the plaintext is in this answer and nowhere else. */
export interface IssuedKey extends KeySummary {
  readonly apiKey: string;
}

/**
 * Issues one more key for the tenant, leaving the others as they are (a second
 * identity provider connection, or a rotation done by hand). Refused past
 * `MAX_LIVE_KEYS` live keys.
 */
export async function createKey(store: Store, tenantId: string, actor: ActorContext = CLI_ACTOR, now: Date = new Date()): Promise<IssuedKey> {
  const tenant = await tenantOf(store, tenantId);
  const key = generateApiKey(tenantId, now);
  await runUnitOfWork(store, { ...actor, idp: tenant.idp }, async (uow) => {
    const live = (await store.listApiKeys(tenantId)).filter((k) => !isExpired(k, now)).length;
    if (live >= MAX_LIVE_KEYS) throw new TenantError('E_TOO_MANY_KEYS', `a tenant holds at most ${MAX_LIVE_KEYS} live keys; revoke one first`);
    await uow.tx.insertApiKey(key.record);
    const prefix = `${API_KEY_PREFIX}${key.record.id}`;
    uow.record({
      tenantId, resourceType: 'ScimSetup', resourceId: tenantId, operation: 'create_key', change: { key: prefix }, status: 201,
      events: [{ type: 'scim_setup.key_created', payload: { tenantId, keyId: key.record.id } }],
    });
  }, () => now);
  return { ...summarizeKey(key.record, now), apiKey: key.plaintext };
}

/** Revokes one live key at once (it fails on its next request, in every process); 404 when no such live key. */
export async function revokeKey(store: Store, tenantId: string, keyId: string, actor: ActorContext = CLI_ACTOR, now: Date = new Date()): Promise<KeySummary> {
  const tenant = await tenantOf(store, tenantId);
  const at = now.toISOString();
  const revoked = await runUnitOfWork(store, { ...actor, idp: tenant.idp }, async (uow) => {
    const k = await uow.tx.expireApiKey(tenantId, keyId, at);
    if (k === undefined) return undefined;
    uow.record({
      tenantId, resourceType: 'ScimSetup', resourceId: tenantId, operation: 'revoke_key', change: { key: `${API_KEY_PREFIX}${k.id}`, revokedAt: at }, status: 200,
      events: [{ type: 'scim_setup.key_revoked', payload: { tenantId, keyId: k.id, revokedAt: at } }],
    });
    return k;
  }, () => now);
  if (revoked === undefined) throw new TenantError('E_KEY_NOT_FOUND', `the tenant has no live key with id "${keyId.slice(0, 64)}"`);
  return summarizeKey(revoked, now);
}
