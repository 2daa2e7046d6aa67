/**
 * Administering a tenant's webhook endpoints (docs/webhooks.md "Registering"): each
 * action is one unit of work, audited with resource type `Webhook` (docs/audit.md). The
 * audit keeps the URL without its query (a query may carry a token; AU-8) and never a
 * secret. A URL is checked (scheme, no credentials, public addresses; AU-12) before
 * anything is written.
 */
import { randomUUID } from 'node:crypto';
import { runUnitOfWork } from '../directory/unit-of-work.ts';
import type { ActorContext } from '../directory/unit-of-work.ts';
import type { Store } from '../store/store.ts';
import type { WebhookEndpoint } from '../store/webhooks.ts';
import { parseWebhookUrl, resolveAllowed } from './address.ts';
import { ALL_EVENTS, EVENT_TYPES } from './event-types.ts';
import { newSecret, SEAL_KEY_NAME, secretBox } from './secrets.ts';

/** Most event types in one subscription (the whole list, plus `*`). */
export const MAX_EVENT_TYPES = EVENT_TYPES.length + 1;
/** Longest endpoint URL. */
export const MAX_URL_LENGTH = 2048;
/** Rotation overlap: default 24 h, at most 7 days. */
export const DEFAULT_OVERLAP_MS = 86_400_000;
export const MAX_OVERLAP_MS = 7 * 86_400_000;
/** Most events one replay request queues. */
export const MAX_REPLAY = 10_000;
/** Most endpoints of one tenant. */
export const MAX_ENDPOINTS_PER_TENANT = 10;

/** The tenant has `MAX_ENDPOINTS_PER_TENANT` endpoints already. */
export class TooManyEndpointsError extends Error {
  constructor() {
    super(`A tenant has at most ${MAX_ENDPOINTS_PER_TENANT} webhook endpoints; delete one first`);
    this.name = 'TooManyEndpointsError';
  }
}

/** An event type outside `EVENT_TYPES`. */
export class UnknownEventTypeError extends Error {
  constructor(type: string) {
    super(`Unknown event type ${JSON.stringify(type.slice(0, 64))}; known: ${EVENT_TYPES.join(', ')} or "*"`);
    this.name = 'UnknownEventTypeError';
  }
}

/** What an administrator action needs. */
export interface WebhookAdmin {
  readonly store: Store;
  readonly tenantId: string;
  readonly audit: ActorContext;
  readonly allowPrivateNetworks: boolean;
  readonly now?: () => Date;
}

/** The URL as audited: no query, no fragment. */
const auditedUrl = (url: string): string => {
  const u = new URL(url);
  return `${u.origin}${u.pathname}${u.search !== '' ? '?…' : ''}`;
};

/** Checks a subscription list: a non-empty array of known types or `*`; returns it sorted without duplicates. */
export function checkEvents(events: unknown): string[] {
  if (!Array.isArray(events) || events.length === 0 || events.length > MAX_EVENT_TYPES * 2 || !events.every((e): e is string => typeof e === 'string')) {
    throw new TypeError('"events" must be a non-empty array of event types (or ["*"])');
  }
  for (const e of events) if (e !== ALL_EVENTS && !EVENT_TYPES.includes(e)) throw new UnknownEventTypeError(e);
  return [...new Set(events)].sort();
}

/** Checks a URL's form and that its host resolves to allowed addresses. */
export async function checkUrl(url: unknown, allowPrivateNetworks: boolean): Promise<string> {
  if (typeof url !== 'string' || url.length > MAX_URL_LENGTH) throw new TypeError(`"url" must be a string of at most ${MAX_URL_LENGTH} characters`);
  const parsed = parseWebhookUrl(url);
  await resolveAllowed(parsed.hostname, allowPrivateNetworks);
  return parsed.href;
}

async function seal(store: Store, secret: string): Promise<string> {
  return secretBox(await store.secret(SEAL_KEY_NAME)).seal(secret);
}

/** Registers an endpoint; answers it with its secret (shown this once). */
export async function createEndpoint(a: WebhookAdmin, input: { url: unknown; events: unknown }): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const events = checkEvents(input.events);
  const url = await checkUrl(input.url, a.allowPrivateNetworks);
  const secret = newSecret();
  const sealed = await seal(a.store, secret);
  const at = (a.now ?? (() => new Date()))().toISOString();
  const id = randomUUID();
  const endpoint = await runUnitOfWork(a.store, a.audit, async (uow) => {
    if ((await uow.tx.webhooks.list(a.tenantId)).length >= MAX_ENDPOINTS_PER_TENANT) throw new TooManyEndpointsError();
    const ep = await uow.tx.webhooks.create({ id, tenantId: a.tenantId, url, events, secret: sealed, createdAt: at });
    uow.record({
      tenantId: a.tenantId, resourceType: 'Webhook', resourceId: id, operation: 'create', events: [],
      change: { attributes: [{ path: 'url', after: auditedUrl(url) }, { path: 'events', after: events }] },
    });
    return ep;
  });
  return { endpoint, secret };
}

/** Changes url, events or enabled; re-enabling clears the reason and retries the head at once. */
export async function updateEndpoint(
  a: WebhookAdmin, id: string, input: { url?: unknown; events?: unknown; enabled?: unknown },
): Promise<WebhookEndpoint | undefined> {
  if (input.enabled !== undefined && typeof input.enabled !== 'boolean') throw new TypeError('"enabled" must be true or false');
  const events = input.events === undefined ? undefined : checkEvents(input.events);
  const url = input.url === undefined ? undefined : await checkUrl(input.url, a.allowPrivateNetworks);
  const at = (a.now ?? (() => new Date()))().toISOString();
  return runUnitOfWork(a.store, a.audit, async (uow) => {
    const cur = await uow.tx.webhooks.get(a.tenantId, id);
    if (cur === undefined) return undefined;
    const enabled = input.enabled as boolean | undefined;
    const next = await uow.tx.webhooks.update(a.tenantId, id, {
      updatedAt: at,
      ...(url !== undefined ? { url } : {}),
      ...(events !== undefined ? { events } : {}),
      ...(enabled !== undefined ? { enabled, disabledReason: enabled ? null : 'Disabled by an administrator' } : {}),
    });
    const attributes: unknown[] = [];
    if (url !== undefined && url !== cur.url) attributes.push({ path: 'url', before: auditedUrl(cur.url), after: auditedUrl(url) });
    if (events !== undefined && events.join() !== cur.events.join()) attributes.push({ path: 'events', before: cur.events, after: events });
    if (enabled !== undefined && enabled !== cur.enabled) attributes.push({ path: 'enabled', before: cur.enabled, after: enabled });
    if (attributes.length > 0) uow.record({ tenantId: a.tenantId, resourceType: 'Webhook', resourceId: id, operation: 'patch', events: [], change: { attributes } });
    return next;
  });
}

/** Deletes an endpoint with its queue and attempts. */
export async function deleteEndpoint(a: WebhookAdmin, id: string): Promise<boolean> {
  return runUnitOfWork(a.store, a.audit, async (uow) => {
    const cur = await uow.tx.webhooks.get(a.tenantId, id);
    if (cur === undefined || !(await uow.tx.webhooks.delete(a.tenantId, id))) return false;
    uow.record({
      tenantId: a.tenantId, resourceType: 'Webhook', resourceId: id, operation: 'delete', events: [],
      change: { attributes: [{ path: 'url', before: auditedUrl(cur.url) }] },
    });
    return true;
  });
}

/** A new secret (shown once); the previous one keeps signing for `overlapMs`. */
export async function rotateEndpointSecret(
  a: WebhookAdmin, id: string, overlapMs: number,
): Promise<{ secret: string; previousSecretExpiresAt: string } | undefined> {
  const secret = newSecret();
  const sealed = await seal(a.store, secret);
  const now = (a.now ?? (() => new Date()))();
  const expires = new Date(now.getTime() + overlapMs).toISOString();
  return runUnitOfWork(a.store, a.audit, async (uow) => {
    if (!(await uow.tx.webhooks.rotateSecret(a.tenantId, id, sealed, expires, now.toISOString()))) return undefined;
    uow.record({
      tenantId: a.tenantId, resourceType: 'Webhook', resourceId: id, operation: 'rotate_secret', events: [],
      change: { previousSecretExpiresAt: expires },
    });
    return { secret, previousSecretExpiresAt: expires };
  });
}

/** Queues the events `from..to` (inclusive) of the tenant again for the endpoint; undefined when it is unknown. */
export async function replayEvents(a: WebhookAdmin, id: string, fromSeq: number, toSeq: number): Promise<{ queued: number } | undefined> {
  return runUnitOfWork(a.store, a.audit, async (uow) => {
    if ((await uow.tx.webhooks.get(a.tenantId, id)) === undefined) return undefined;
    const queued = await uow.tx.webhooks.queueReplay(a.tenantId, id, fromSeq, toSeq);
    uow.record({
      tenantId: a.tenantId, resourceType: 'Webhook', resourceId: id, operation: 'replay', events: [],
      change: { fromSequence: fromSeq, toSequence: toSeq, queued },
    });
    return { queued };
  });
}
