/**
 * The seam between the HTTP server (transport, auth, limits) and the SCIM routes.
 * The server authenticates, resolves the tenant, reads and parses the body, then
 * hands a `ScimRequest` to the SCIM handler and writes the `ScimResponse` it returns.
 */
import type { Logger } from 'pino';
import type { IgnoredItem } from '../domain/ignored-input.ts';
import type { Tenant } from '../domain/tenant.ts';

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
  /** The public id of the API key that authenticated the request (the actor of its changes, docs/audit.md). */
  readonly apiKeyId?: string;
  readonly log: Logger;
  /**
   * Fields the handler adds to the request's single log line (for example the
   * compatibility normalisations that fired). Owned by the transport.
   */
  readonly logFields?: Record<string, unknown>;
  /** Set by the identity-provider profile (`src/compat`) before routing. */
  readonly compat?: {
    /** Names of the normalisations that fired. */
    readonly applied: readonly string[];
    /** Entra: a replace/add through an unmatched `type eq` filter creates the element. */
    readonly upsertOnNoMatch: boolean;
    /** Provider tenants: unknown input and member ids that resolve to nothing are ignored and recorded. */
    readonly tolerant?: boolean;
    /** What this request carried and Roster ignored (the profile's, then the directory's); logged and recorded per tenant. */
    readonly ignored?: IgnoredItem[];
  };
}

export interface ScimResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON body; rendered as `application/scim+json`. */
  readonly body?: unknown;
  /**
   * Instead of `body`: JSON text written in pieces (chunked transfer encoding), for
   * bodies too large to build as one string (a large group, docs/scim-api.md). `write`
   * resolves false once the client has gone; a throw after the first piece cuts the connection.
   */
  readonly stream?: (write: (text: string) => Promise<boolean>) => Promise<void>;
}

export type ScimHandler = (req: ScimRequest) => Promise<ScimResponse>;
