/**
 * Signing secrets and signatures of Standard Webhooks 1.0 (docs/webhooks.md
 * "Verifying"): a secret is `whsec_` + base64 of 32 random bytes; a signature is
 * `v1,` + base64 of HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<body>` keyed by
 * the secret's decoded bytes. Secrets must stay usable for signing, so the store keeps
 * them sealed with AES-256-GCM under the store secret `webhook-secrets` (`Store.secret`):
 * a copy of the database alone does not reveal them (docs/reliability.md AU-8).
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/** The prefix of a Standard Webhooks secret. */
export const SECRET_PREFIX = 'whsec_';

/** A new signing secret. */
export function newSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/** `v1,<base64 HMAC-SHA256 of id.timestamp.body>` with one secret. */
export function sign(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** Seals and opens secrets with a 32-byte key. */
export interface SecretBox {
  seal(secret: string): string;
  open(sealed: string): string;
}

/** AES-256-GCM: `v1.` + base64(iv ‖ tag ‖ ciphertext). */
export function secretBox(key: Buffer): SecretBox {
  return {
    seal(secret) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const ct = Buffer.concat([c.update(secret, 'utf8'), c.final()]);
      return `v1.${Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64')}`;
    },
    open(sealed) {
      const raw = Buffer.from(sealed.slice(3), 'base64');
      const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      d.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

/** The name of the store secret that seals webhook secrets. */
export const SEAL_KEY_NAME = 'webhook-secrets';
