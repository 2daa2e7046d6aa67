/**
 * Audit rows of refused authentications on the SCIM mount (docs/audit.md
 * "Authentication failures"). A 401 has no authenticated tenant: the row goes to
 * the tenant named in the URL (`/scim/v2/{tenantId}/…`) when that tenant exists,
 * written after the response so the answer and its timing stay those of every
 * other 401 (docs/reliability.md AU-1). The actor is `anonymous`, with the public
 * id of the presented key when the key parsed — never the key or any part of its
 * secret. Each tenant gets at most `perSecond` rows a second; the 401s beyond are
 * counted and the count is written as `change.suppressed` on the tenant's next row.
 */
import type { Store } from '../store/store.ts';
import { recordRefused } from './unit-of-work.ts';

/** Default most 401 rows per tenant per second. */
export const AUTH_AUDIT_PER_SECOND = 5;
/** Most tenants tracked at once (the window map is cleared past it). */
const MAX_TRACKED = 10_000;

/** What is known of a refused request. */
export interface AuthFailure {
  readonly tenantId: string;
  /** The public id of the presented key, when it parsed. */
  readonly keyId?: string;
  readonly requestId: string;
  readonly method: string;
  /** The path, filter values redacted. */
  readonly path: string;
}

/** Rate-bounded recorder of 401 audit rows; one per SCIM mount. */
export class AuthFailureAudit {
  readonly #store: Store;
  readonly #perSecond: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, { second: number; written: number; suppressed: number }>();

  constructor(store: Store, perSecond = AUTH_AUDIT_PER_SECOND, now: () => number = Date.now) {
    this.#store = store;
    this.#perSecond = perSecond;
    this.#now = now;
  }

  /** Records the failure if the tenant exists and its budget allows; resolves when done (never rejects for a missing tenant). */
  async record(f: AuthFailure): Promise<void> {
    if (f.tenantId.length > 256) return;
    const second = Math.floor(this.#now() / 1000);
    let w = this.#windows.get(f.tenantId);
    if (w === undefined) {
      if (this.#windows.size >= MAX_TRACKED) this.#windows.clear();
      this.#windows.set(f.tenantId, (w = { second, written: 0, suppressed: 0 }));
    }
    if (w.second !== second) {
      w.second = second;
      w.written = 0;
    }
    if (w.written >= this.#perSecond) {
      w.suppressed++;
      return;
    }
    w.written++;
    // Only an existing tenant gets rows: an unknown id in the URL is not a tenant to write to.
    if ((await this.#store.getTenant(f.tenantId)) === undefined) {
      this.#windows.delete(f.tenantId);
      return;
    }
    const suppressed = w.suppressed;
    w.suppressed = 0;
    try {
      await recordRefused(
        this.#store,
        { actor: { kind: 'anonymous', ...(f.keyId !== undefined ? { keyId: f.keyId } : {}) }, requestId: f.requestId, method: f.method, path: f.path },
        {
          tenantId: f.tenantId, resourceType: 'ScimSetup', resourceId: f.tenantId, operation: 'authenticate', status: 401,
          ...(suppressed > 0 ? { change: { suppressed } } : {}),
        },
      );
    } catch (e) {
      w.suppressed += suppressed; // not lost: counted on the next row
      throw e;
    }
  }
}
