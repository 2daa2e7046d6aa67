/**
 * Opaque, tamper-evident cursors for RFC 9865 cursor pagination.
 *
 * A cursor is `base64url(version | iv | tag | ciphertext)`: the keyset position
 * (last sort value, last id, direction) and the issue time, encrypted and
 * authenticated with AES-256-GCM. The key is derived (HKDF-SHA256) from the
 * server's shared `cursor` secret, so every process accepts every process's cursors.
 * What the cursor is bound to — tenant, resource type, filter, sort — is the GCM
 * additional data: it is not in the token at all (nothing about the tenant or its
 * data can be read from a cursor), and a cursor presented with another tenant,
 * filter or sort fails authentication exactly like a tampered one.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { expiredCursor, invalidCursor } from '../scim/errors.ts';
import type { Keyset } from '../store/store.ts';

/** What a cursor may only be used with (RFC 9865: the same query, the same client). */
export interface CursorBinding {
  readonly tenantId: string;
  readonly resourceType: string;
  /** The filter as normalised text ('' when none). */
  readonly filter: string;
  /** `<attrPath> <order>` ('' when none). */
  readonly sort: string;
}

export interface CursorCodec {
  encode(keyset: Keyset, binding: CursorBinding): string;
  /** Throws `invalidCursor` (garbage, tampered, other binding) or `expiredCursor`. */
  decode(token: string, binding: CursorBinding): Keyset;
  /** Seconds a cursor stays valid (advertised as `cursorTimeout`). */
  readonly timeoutSeconds: number;
}

const VERSION = 1;
const IV_LEN = 12;
const TAG_LEN = 16;
/** Cursors are small; anything much larger is not one of ours. */
const MAX_TOKEN_LEN = 4096;

interface Payload {
  /** sort value */
  v: string | number | boolean | null;
  /** id */
  i: string;
  /** direction: a(fter) | b(efore) */
  d: 'a' | 'b';
  /** issued at, seconds since the epoch */
  t: number;
}

const aad = (b: CursorBinding): Buffer =>
  createHash('sha256').update(JSON.stringify([VERSION, b.tenantId, b.resourceType, b.filter, b.sort])).digest();

/** Creates a codec; `secret` is `store.secret('cursor')` (any length, high entropy). */
export function createCursorCodec(secret: Buffer, opts: { timeoutSeconds?: number; now?: () => Date } = {}): CursorCodec {
  const key = Buffer.from(hkdfSync('sha256', secret, Buffer.from('roster'), Buffer.from('scim-cursor-v1'), 32));
  const timeoutSeconds = opts.timeoutSeconds ?? 3600;
  const now = opts.now ?? (() => new Date());
  const nowSeconds = (): number => Math.floor(now().getTime() / 1000);

  return {
    timeoutSeconds,
    encode(keyset, binding) {
      const payload: Payload = { v: keyset.sortValue, i: keyset.id, d: keyset.direction === 'after' ? 'a' : 'b', t: nowSeconds() };
      const iv = randomBytes(IV_LEN);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LEN });
      cipher.setAAD(aad(binding));
      const ct = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.of(VERSION), iv, cipher.getAuthTag(), ct]).toString('base64url');
    },
    decode(token, binding) {
      if (token.length > MAX_TOKEN_LEN || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalidCursor('The cursor is not valid.');
      const raw = Buffer.from(token, 'base64url');
      if (raw.length < 1 + IV_LEN + TAG_LEN + 2 || raw[0] !== VERSION) throw invalidCursor('The cursor is not valid.');
      let payload: Payload;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(1, 1 + IV_LEN), { authTagLength: TAG_LEN });
        decipher.setAAD(aad(binding));
        decipher.setAuthTag(raw.subarray(1 + IV_LEN, 1 + IV_LEN + TAG_LEN));
        const text = Buffer.concat([decipher.update(raw.subarray(1 + IV_LEN + TAG_LEN)), decipher.final()]).toString('utf8');
        payload = JSON.parse(text) as Payload;
      } catch {
        // RFC 9865 §2.2: a cursor that was not issued for this query (or was altered) is `invalidCursor`.
        throw invalidCursor('The cursor is not valid for this request.');
      }
      if (typeof payload.t !== 'number' || typeof payload.i !== 'string' || (payload.d !== 'a' && payload.d !== 'b')) {
        throw invalidCursor('The cursor is not valid.');
      }
      // RFC 9865 §2.2: `expiredCursor` once it is older than the advertised `cursorTimeout`.
      if (nowSeconds() - payload.t > timeoutSeconds) throw expiredCursor('The cursor has expired; start again from the first page.');
      return { sortValue: payload.v, id: payload.i, direction: payload.d === 'a' ? 'after' : 'before' };
    },
  };
}
