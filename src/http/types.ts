/**
 * The seam between the HTTP server (transport, auth, limits) and the SCIM routes.
 * The server authenticates, resolves the tenant, reads and parses the body, then
 * hands a `ScimRequest` to the SCIM handler and writes the `ScimResponse` it returns.
 */
import type { Logger } from 'pino';
import type { Tenant } from '../store/store.ts';

export interface ScimRequest {
  readonly method: string;
  /** Path segments after the SCIM base URL, decoded: `/Users/abc` → `['Users','abc']`. */
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Parsed JSON body (undefined when there was none). */
  readonly body: unknown;
  readonly tenant: Tenant;
  /** Absolute SCIM base URL of the tenant, without trailing slash (used for `meta.location`). */
  readonly baseUrl: string;
  readonly requestId: string;
  readonly log: Logger;
}

export interface ScimResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON body; rendered as `application/scim+json`. */
  readonly body?: unknown;
}

export type ScimHandler = (req: ScimRequest) => Promise<ScimResponse>;
