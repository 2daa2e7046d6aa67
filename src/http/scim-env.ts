/**
 * The SCIM handler's dependencies and limits, resolved once, and the per-request
 * directory context (the tenant comes from the authenticated request).
 */
import { createCursorCodec } from './cursor.ts';
import type { CursorCodec } from './cursor.ts';
import type { DirectoryContext } from '../directory/resources.ts';
import { redactedPath } from '../directory/change.ts';
import { recordRefused } from '../directory/unit-of-work.ts';
import type { ActorContext } from '../directory/unit-of-work.ts';
import { isScimError } from '../scim/errors.ts';
import { API_KEY_PREFIX } from '../tenants/api-keys.ts';
import type { SchemaRegistry } from '../scim/schema/types.ts';
import type { Store } from '../store/store.ts';
import type { IgnoredItem } from '../domain/ignored-input.ts';
import type { ScimRequest } from './types.ts';

/** Limits advertised in `/ServiceProviderConfig` and enforced by the routes. */
export interface ScimLimits {
  /** Most resources in one list response (RFC 7644 §5 `filter.maxResults`). */
  readonly maxResults: number;
  /** Page size when the client sends no `count`. */
  readonly defaultCount: number;
  /** List responses carry `members` / `groups` only for resources with at most this many (docs/scim-api.md). */
  readonly listMaxMembers: number;
  /** Most members one group may have. */
  readonly maxGroupMembers: number;
  /** Most operations in one PATCH request (docs/reliability.md RL-6). */
  readonly maxOperations: number;
  /** Most values of one multi-valued attribute, Group members aside (docs/scim-api.md). */
  readonly maxMultiValued: number;
  /** Bulk `maxOperations` (RFC 7644 §3.7). */
  readonly bulkMaxOperations: number;
  /** Bulk `maxPayloadSize` in bytes (RFC 7644 §3.7). */
  readonly bulkMaxPayloadSize: number;
  readonly filterMaxLength: number;
  readonly filterMaxDepth: number;
  /** RFC 9865 `cursorTimeout`, seconds. */
  readonly cursorTimeoutSeconds: number;
}

export const DEFAULT_SCIM_LIMITS: ScimLimits = Object.freeze({
  maxResults: 1000,
  defaultCount: 100,
  listMaxMembers: 1000,
  maxGroupMembers: 1_000_000,
  maxOperations: 1000,
  maxMultiValued: 1000,
  bulkMaxOperations: 1000,
  bulkMaxPayloadSize: 1_048_576,
  filterMaxLength: 2048,
  filterMaxDepth: 32,
  cursorTimeoutSeconds: 3600,
});

export interface ScimHandlerDeps {
  readonly store: Store;
  readonly registry: SchemaRegistry;
  /** Missing members take `DEFAULT_SCIM_LIMITS`. */
  readonly limits?: Partial<ScimLimits>;
  /** Key material for cursors; default `store.secret('cursor')` (shared by every process). */
  readonly cursorSecret?: Buffer;
  readonly now?: () => Date;
}

export interface ScimEnv {
  readonly store: Store;
  readonly registry: SchemaRegistry;
  readonly limits: ScimLimits;
  readonly now: () => Date;
  cursors(): Promise<CursorCodec>;
}

export function createEnv(deps: ScimHandlerDeps): ScimEnv {
  const limits: ScimLimits = Object.freeze({ ...DEFAULT_SCIM_LIMITS, ...stripUndefined(deps.limits ?? {}) });
  const now = deps.now ?? (() => new Date());
  let codec: Promise<CursorCodec> | undefined;
  return {
    store: deps.store,
    registry: deps.registry,
    limits,
    now,
    cursors() {
      codec ??= (deps.cursorSecret !== undefined ? Promise.resolve(deps.cursorSecret) : deps.store.secret('cursor')).then((secret) =>
        createCursorCodec(secret, { timeoutSeconds: limits.cursorTimeoutSeconds, now }),
      );
      codec.catch(() => {
        codec = undefined;
      });
      return codec;
    },
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Who a request acts as and where it comes from, for the audit (docs/audit.md):
 * the API key (its public id and prefix, never the secret), the request id, the
 * tenant's identity provider, the normalisations that fired, the method and the
 * path with filter values redacted. `op` gives a Bulk operation's own method and path.
 */
export function actorFor(req: ScimRequest, op?: { method: string; path: string }): ActorContext {
  const path = op !== undefined ? op.path : `/${req.segments.map(encodeURIComponent).join('/')}`;
  return {
    actor: req.apiKeyId !== undefined ? { kind: 'api_key', keyId: req.apiKeyId, keyPrefix: `${API_KEY_PREFIX}${req.apiKeyId}` } : { kind: 'cli' },
    requestId: req.requestId,
    idp: req.tenant.idp,
    normalisations: req.compat?.applied ?? [],
    method: op?.method ?? req.method,
    path: redactedPath(path, op !== undefined ? undefined : req.query),
    ...(op === undefined && answersNoContent(req) ? { status: 204 } : {}),
  };
}

/**
 * RFC 7644 §3.5.2 leaves a PATCH the choice of 200 or 204: a Group PATCH without
 * `attributes` / `excludedAttributes` (§3.9) is answered 204 (`patchRoute`), and its
 * audit row records that status.
 */
export function answersNoContent(req: ScimRequest): boolean {
  if (req.method !== 'PATCH' || req.segments[0]?.toLowerCase() !== 'groups') return false;
  for (const k of req.query.keys()) if (['attributes', 'excludedattributes'].includes(k.toLowerCase())) return false;
  return true;
}

/** The directory context of one request (`op`: a Bulk operation's method and path). */
export function contextFor(env: ScimEnv, req: ScimRequest, op?: { method: string; path: string }): DirectoryContext {
  return {
    audit: actorFor(req, op),
    store: env.store,
    registry: env.registry,
    tenantId: req.tenant.id,
    now: env.now,
    maxPatchOperations: env.limits.maxOperations,
    maxMultiValued: env.limits.maxMultiValued,
    maxGroupMembers: env.limits.maxGroupMembers,
    // Set by the tenant's identity-provider profile (src/compat/entra.ts: Entra expects
    // `replace emails[type eq "work"].value` to create the element).
    patchUpsertOnNoMatch: req.compat?.upsertOnNoMatch === true,
    baseUrl: req.baseUrl,
    // Provider tenants: a member id that resolves to nothing is skipped and recorded
    // (docs/identity-providers.md "Ignored input"); `generic` refuses it.
    ...(req.compat?.tolerant === true ? { ignoreMissingMembers: (ids: readonly string[]) => noteIgnored(req, 'member', ids) } : {}),
  };
}

/** Most ignored names listed in one request's log line (the store record keeps them all, bounded). */
const LOGGED_IGNORED = 20;

function noteIgnored(req: ScimRequest, kind: IgnoredItem['kind'], names: readonly string[]): void {
  const list = req.compat?.ignored;
  if (list === undefined) return;
  for (const name of names) if (!list.some((i) => i.kind === kind && i.name === name)) list.push({ kind, name });
}

/**
 * After a request: what it carried and Roster ignored goes to its log line (`ignored`,
 * `kind:name`, at most 20) and to the tenant's record (`Store.recordIgnoredInput`,
 * first/last seen and a count). Best effort: a failed write is logged, never the
 * request's answer.
 */
export async function recordIgnored(env: ScimEnv, req: ScimRequest): Promise<void> {
  const items = req.compat?.ignored;
  if (items === undefined || items.length === 0) return;
  if (req.logFields !== undefined) {
    req.logFields.ignored = items.slice(0, LOGGED_IGNORED).map((i) => `${i.kind}:${i.name.length > 200 ? `${i.name.slice(0, 200)}…` : i.name}`);
    if (items.length > LOGGED_IGNORED) req.logFields.ignoredMore = items.length - LOGGED_IGNORED;
  }
  try {
    await env.store.recordIgnoredInput(req.tenant.id, items, env.now().toISOString());
  } catch (err) {
    req.log.warn({ err }, 'could not record ignored input');
  }
}

const OPERATIONS: Readonly<Record<string, string>> = { POST: 'create', PUT: 'replace', PATCH: 'patch', DELETE: 'delete' };

/**
 * After a state-changing request was refused (4xx): an audit row with outcome
 * `refused` and the status, in its own small transaction (nothing of the change was
 * written; docs/audit.md). Searches (`POST …/.search`) change nothing and are not
 * recorded. Best effort: a failed write is logged, never the request's answer.
 */
export async function recordRefusal(env: ScimEnv, req: ScimRequest, err: unknown): Promise<void> {
  const operation = OPERATIONS[req.method];
  if (operation === undefined || !isScimError(err) || err.status < 400 || err.status >= 500) return;
  if (req.segments.some((s) => s.toLowerCase() === '.search')) return;
  const endpoint = req.segments[0] ?? '';
  const rt = env.registry.resourceTypes().find((t) => t.endpoint.toLowerCase() === `/${endpoint}`.toLowerCase());
  try {
    await recordRefused(env.store, actorFor(req), {
      tenantId: req.tenant.id,
      resourceType: rt?.name ?? endpoint.slice(0, 64),
      resourceId: (req.segments[1] ?? '').slice(0, 200),
      operation: req.segments[0]?.toLowerCase() === 'bulk' ? 'bulk' : operation,
      status: err.status,
    }, env.now);
  } catch (e) {
    req.log.warn({ err: e }, 'could not record the refused request');
  }
}
