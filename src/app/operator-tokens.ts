/**
 * Operator tokens of the admin API (docs/architecture.md, Admin API), built as
 * API keys are (docs/reliability.md AU-4, AU-5): `roster_op_<id>_<secret><check>`,
 * a public lookup id, 256 random bits, a CRC32 check; only the SHA-256 digest of
 * the secret is stored (RFC 7644 §7.7) and compared with `timingSafeEqual`.
 */
import { timingSafeEqual } from 'node:crypto';
import type { OperatorVerifier } from '../http/admin-mount.ts';
import type { Store } from '../store/store.ts';
import { checksum, digestSecret, randomString } from '../tenants/api-keys.ts';

const PREFIX = 'roster_op_';
const ID_LENGTH = 16;
const SECRET_LENGTH = 43;
const CHECK_LENGTH = 6;
const TOKEN_PATTERN = new RegExp(`^${PREFIX}([0-9A-Za-z]{${ID_LENGTH}})_([0-9A-Za-z]{${SECRET_LENGTH}})([0-9A-Za-z]{${CHECK_LENGTH}})$`);

/** A new operator token: stored as a digest, returned in clear once. */
export async function createOperatorToken(store: Store, now: Date = new Date()): Promise<{ id: string; token: string; createdAt: string }> {
  const id = randomString(ID_LENGTH);
  const secret = randomString(SECRET_LENGTH);
  const body = `${PREFIX}${id}_${secret}`;
  const createdAt = now.toISOString();
  await store.insertOperatorToken({ id, digest: digestSecret(secret), createdAt, revokedAt: null });
  return { id, token: body + checksum(body), createdAt };
}

/** True when `token` is a stored, unrevoked operator token; never throws for a bad token. */
export async function verifyOperatorToken(store: Store, token: string): Promise<boolean> {
  const m = TOKEN_PATTERN.exec(token);
  if (!m) return false;
  const [, id = '', secret = '', check = ''] = m;
  if (checksum(`${PREFIX}${id}_${secret}`) !== check) return false;
  const record = await store.findOperatorToken(id);
  if (record === undefined || record.revokedAt !== null) return false;
  const a = Buffer.from(digestSecret(secret), 'hex');
  const b = Buffer.from(record.digest, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The verifier of the admin mount, reading the store's operator tokens. */
export function storeOperatorVerifier(store: Store): OperatorVerifier {
  return (token) => verifyOperatorToken(store, token);
}
