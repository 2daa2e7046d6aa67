/**
 * Bearer authentication of SCIM requests (RFC 6750 §2.1, RFC 7644 §2;
 * docs/reliability.md AU-1, AU-2). Every failure — no header, another scheme, an empty
 * token, two Authorization headers, a token in the query string, an unknown,
 * expired or revoked key, a deleted tenant, a key used on another tenant's
 * URL — gets the same 401, so a caller learns nothing from the difference.
 */
import type { IncomingMessage } from 'node:http';
import { unauthorized } from '../scim/errors.ts';
import type { ScimError } from '../scim/errors.ts';
import type { Store } from '../store/store.ts';
import type { Tenant } from '../domain/tenant.ts';
import { verifyApiKeyRecord } from '../tenants/api-keys.ts';

/** RFC 6750 §3: the challenge sent with every 401. */
export const WWW_AUTHENTICATE = 'Bearer realm="roster"';

/** The one 401 every authentication failure gets (AU-1). */
export function authFailure(): ScimError {
  return unauthorized('Authentication failed: send a valid API key as "Authorization: Bearer <key>"');
}

/** The bearer token of the request, or `undefined` when the request does not carry exactly one. */
export function bearerToken(req: IncomingMessage, query: URLSearchParams): string | undefined {
  // RFC 6750 §2.3 allows access_token in the query; Roster never does (it ends up in logs: AU-8, ASVS 14.2.1).
  if (query.has('access_token')) return undefined;
  let header: string | undefined;
  let count = 0;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if ((raw[i] ?? '').toLowerCase() === 'authorization') {
      count++;
      header = raw[i + 1];
    }
  }
  if (count !== 1 || header === undefined) return undefined;
  // RFC 6750 §2.1: b64token after "Bearer" (scheme case-insensitive per RFC 9110 §11.1).
  const m = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  return m?.[1];
}

/**
 * Resolves the tenant of a request. `urlTenantId` is the tenant named in a
 * per-tenant URL (`/scim/v2/{tenantId}/…`); on the shared base URL it is
 * undefined and the key alone names the tenant.
 * @throws ScimError 401 on any failure.
 */
export async function authenticate(
  store: Store,
  req: IncomingMessage,
  query: URLSearchParams,
  urlTenantId: string | undefined,
): Promise<Tenant> {
  return (await authenticateKey(store, req, query, urlTenantId)).tenant;
}

/** `authenticate` with the id of the API key used (the actor of the request's changes, docs/audit.md). */
export async function authenticateKey(
  store: Store,
  req: IncomingMessage,
  query: URLSearchParams,
  urlTenantId: string | undefined,
): Promise<{ tenant: Tenant; keyId: string }> {
  const token = bearerToken(req, query);
  if (token === undefined) throw authFailure();
  const found = await verifyApiKeyRecord(store, token);
  // AU-2: a key used on another tenant's URL is a 401, not a 404 (it reveals nothing about that tenant).
  if (!found || (urlTenantId !== undefined && found.tenant.id !== urlTenantId)) throw authFailure();
  return found;
}
