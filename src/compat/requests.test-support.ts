/** Builds requests for the compat unit tests (no server involved). */
import type { IdpName, Tenant } from '../domain/tenant.ts';
import type { CompatRequest } from './profile.ts';

export interface RequestSpec {
  readonly method: string;
  /** Path after the SCIM base URL with an optional query: `/Users/abc?x=1`. */
  readonly path: string;
  readonly body?: unknown;
  readonly idp?: IdpName;
}

/**
 * A request as the HTTP layer hands it to a profile: what the profile reads, plus
 * fields it must carry through untouched (the tenant, the headers).
 */
export interface TestRequest extends CompatRequest {
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly tenant: Tenant;
}

/** A request for `spec`, as the HTTP layer would build it. */
export function request(spec: RequestSpec): TestRequest {
  const url = new URL(spec.path, 'http://127.0.0.1/scim/v2/');
  const segments = url.pathname
    .replace(/^\/scim\/v2\/?/, '')
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
  return {
    method: spec.method,
    segments,
    query: url.searchParams,
    headers: {},
    body: spec.body,
    tenant: { id: 't1', name: 'Test', idp: spec.idp ?? 'generic', createdAt: '2025-01-01T00:00:00.000Z' },
  };
}

/** A PatchOp body with these operations (RFC 7644 §3.5.2). */
export const patchOp = (...ops: unknown[]): Record<string, unknown> => ({
  schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
  Operations: ops,
});
