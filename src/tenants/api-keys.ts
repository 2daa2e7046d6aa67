/**
 * SCIM API keys (docs/reliability.md AU-4, AU-5).
 *
 * Format: `roster_<id>_<secret><check>`
 * - `roster_` — a fixed prefix so secret scanners can recognise a leaked key;
 * - `<id>` — 16 base62 characters, the public lookup id (never secret);
 * - `<secret>` — 43 base62 characters = 256 bits from `crypto.randomBytes`
 *   (RFC 7644 §7.4: enough entropy against guessing);
 * - `<check>` — CRC32 of everything before it, 6 base62 characters, so a mistyped
 *   or truncated key is rejected without a database lookup (as GitHub tokens do).
 *
 * Only the SHA-256 digest of the secret and the last 4 characters are stored
 * (RFC 7644 §7.7: no cleartext credentials); digests are compared with
 * `crypto.timingSafeEqual`, never `===`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/store.ts';
import type { ApiKeyRecord, Tenant } from '../domain/tenant.ts';

export const API_KEY_PREFIX = 'roster_';
const ID_LENGTH = 16;
const SECRET_LENGTH = 43;
const CHECK_LENGTH = 6;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_PATTERN = new RegExp(`^${API_KEY_PREFIX}([0-9A-Za-z]{${ID_LENGTH}})_([0-9A-Za-z]{${SECRET_LENGTH}})([0-9A-Za-z]{${CHECK_LENGTH}})$`);

/** `length` uniformly random characters of `alphabet` (rejection sampling: no modulo bias). */
export function randomString(length: number, alphabet: string = BASE62): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit) out += alphabet[byte % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (IEEE) of an ASCII string. */
export function crc32(text: string): number {
  let c = 0xffffffff;
  for (let i = 0; i < text.length; i++) c = (CRC_TABLE[(c ^ text.charCodeAt(i)) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The six base62 check characters of a key or token body: CRC-32 of `body` (SECURITY.md). */
export function checksum(body: string): string {
  let n = crc32(body);
  let out = '';
  for (let i = 0; i < CHECK_LENGTH; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

/** SHA-256 of the secret part, hex. */
export function digestSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export interface ParsedApiKey {
  readonly id: string;
  readonly secret: string;
}

/** Splits a key into id and secret; `undefined` when the shape or checksum is wrong. */
export function parseApiKey(key: string): ParsedApiKey | undefined {
  const m = KEY_PATTERN.exec(key);
  if (!m) return undefined;
  const [, id = '', secret = '', check = ''] = m;
  if (checksum(`${API_KEY_PREFIX}${id}_${secret}`) !== check) return undefined;
  return { id, secret };
}

export interface GeneratedApiKey {
  /** The full key: shown once, never stored. */
  readonly plaintext: string;
  /** What the store keeps. */
  readonly record: ApiKeyRecord;
}

/** Assembles a key from its id and secret (prefix and checksum added). */
export function formatApiKey(id: string, secret: string): string {
  const body = `${API_KEY_PREFIX}${id}_${secret}`;
  return body + checksum(body);
}

/** Creates a new key for a tenant (not yet stored). */
export function generateApiKey(tenantId: string, now: Date = new Date()): GeneratedApiKey {
  const id = randomString(ID_LENGTH);
  const secret = randomString(SECRET_LENGTH);
  const plaintext = formatApiKey(id, secret);
  return {
    plaintext,
    record: { id, tenantId, digest: digestSecret(secret), last4: plaintext.slice(-4), createdAt: now.toISOString(), expiresAt: null },
  };
}

/** How a key is shown after creation: prefix, id and last 4 characters only (AU-4). */
export function maskApiKey(record: Pick<ApiKeyRecord, 'id' | 'last4'>): string {
  return `${API_KEY_PREFIX}${record.id}_…${record.last4}`;
}

/** Whether the key has stopped working at `now` (expiresAt ≤ now). */
export function isExpired(record: Pick<ApiKeyRecord, 'expiresAt'>, now: Date): boolean {
  return record.expiresAt !== null && Date.parse(record.expiresAt) <= now.getTime();
}

/**
 * Verifies a presented key: parse → look up by id → constant-time digest
 * comparison → expiry → the tenant must still exist. Returns the tenant, or
 * `undefined` for every kind of failure (the caller answers 401 the same way).
 */
export async function verifyApiKey(store: Store, key: string, now: Date = new Date()): Promise<Tenant | undefined> {
  return (await verifyApiKeyRecord(store, key, now))?.tenant;
}

/** `verifyApiKey` with the id of the key that matched (recorded as the actor of changes, docs/audit.md). */
export async function verifyApiKeyRecord(store: Store, key: string, now: Date = new Date()): Promise<{ tenant: Tenant; keyId: string } | undefined> {
  const parsed = parseApiKey(key);
  if (!parsed) return undefined;
  // One statement for the key and its tenant; a deleted tenant has no row to join.
  const found = await store.findApiKeyWithTenant(parsed.id);
  if (!found) return undefined;
  const record = found.key;
  const expected = Buffer.from(record.digest, 'hex');
  // createHash, not crypto.hash: the latter needs Node 20.12 and `engines` allows any 20.x.
  const actual = createHash('sha256').update(parsed.secret, 'utf8').digest();
  // AU-5: constant-time comparison of equal-length digests.
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
  if (isExpired(record, now)) return undefined;
  return { tenant: found.tenant, keyId: record.id };
}
