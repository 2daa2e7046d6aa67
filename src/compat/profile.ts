/**
 * The seam between the HTTP server and the identity-provider compatibility layer.
 *
 * Identity providers do not send textbook RFC 7644. Each tenant names its provider
 * (`Tenant.idp`); before the strict protocol core sees a request, the server runs
 * `profileFor(tenant.idp).normalise(req)`, which rewrites only that provider's
 * documented deviations and says which rewrites fired. The core stays strict.
 */
import type { IgnoredItem } from '../domain/ignored-input.ts';
import type { IdpName } from '../domain/tenant.ts';

/**
 * What a profile reads of a request. Structural: the HTTP layer's `ScimRequest`
 * satisfies it, so the dependency points `http → compat` (README.md "Layout").
 */
export interface CompatRequest {
  readonly method: string;
  /** Path segments after the SCIM base URL, decoded: `/Users/abc` → `['Users','abc']`. */
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
  /** Parsed JSON body (undefined when there was none). */
  readonly body: unknown;
}

/** A profile's answer for a request of type `R` (whatever else `R` carries is kept). */
export interface CompatResult<R extends CompatRequest = CompatRequest> {
  /**
   * The request the core should see: the input itself when nothing changed, else a
   * copy of it (every other field kept) with a new body/query.
   */
  readonly request: R;
  /**
   * Short stable names of the normalisations that fired (e.g. `op-case`, `bool-string`,
   * `entra.manager-shape`, `okta.pathless-deactivate`), for the request's log line and
   * the audit record. Names of tolerances the core handles itself are listed too, so
   * the log shows what the provider sent.
   */
  readonly applied: readonly string[];
  /**
   * What the request carried and the profile dropped because Roster does not know it
   * (provider tenants only): unknown extension schemas, attributes, sub-attributes.
   * Logged and recorded per tenant (`Store.recordIgnoredInput`).
   */
  readonly ignored: readonly IgnoredItem[];
  /** Provider tenants: unknown input is ignored and recorded, member ids that resolve to nothing too. */
  readonly tolerant: boolean;
  /** Options for the PATCH engine (`ApplyPatchOptions` in `src/scim/patch/types.ts`). */
  readonly patchOptions: { readonly upsertOnNoMatch: boolean };
}

export interface CompatProfile {
  readonly idp: IdpName;
  /**
   * Pure: no I/O, never mutates `req`, never throws (anything the profile does not
   * recognise passes through untouched for the core to judge).
   */
  normalise<R extends CompatRequest>(req: R): CompatResult<R>;
}
