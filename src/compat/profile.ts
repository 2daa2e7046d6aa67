/**
 * The seam between the HTTP server and the identity-provider compatibility layer.
 *
 * Identity providers do not send textbook RFC 7644. Each tenant names its provider
 * (`Tenant.idp`); before the strict protocol core sees a request, the server runs
 * `profileFor(tenant.idp).normalise(req)`, which rewrites only that provider's
 * documented deviations and says which rewrites fired. The core stays strict.
 */
import type { ScimRequest } from '../http/types.ts';
import type { IgnoredItem } from '../domain/ignored-input.ts';
import type { IdpName } from '../domain/tenant.ts';

export interface CompatResult {
  /** The request the core should see: the input itself when nothing changed, else a new request with a new body/query. */
  readonly request: ScimRequest;
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
  normalise(req: ScimRequest): CompatResult;
}
