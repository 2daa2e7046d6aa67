/**
 * The admin API routes of a tenant's webhook endpoints (docs/webhooks.md):
 *
 * - `GET /api/v1/tenants/{tenantId}/webhooks`: the endpoints (never a secret)
 * - `POST …/webhooks` with `{"url", "events"}`: 201, the endpoint with its `secret` (shown once)
 * - `GET`, `PATCH` (`url`, `events`, `enabled`), `DELETE` (204) `…/webhooks/{id}`
 * - `POST …/webhooks/{id}/rotate-secret` with optional `{"overlapSeconds"}`: the new secret, once
 * - `GET …/webhooks/{id}/deliveries[?limit=&before=]`: attempts, newest first
 * - `POST …/webhooks/{id}/replay` with `{"eventId"}` or `{"fromSequence", "toSequence"}`
 *
 * Writes go through `src/webhooks/endpoints.ts` (one unit of work each, audited with
 * the operator as actor).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Store } from '../store/store.ts';
import type { StoredDeliveryAttempt, WebhookEndpoint } from '../store/webhooks.ts';
import { WebhookUrlError } from '../webhooks/address.ts';
import {
  createEndpoint, DEFAULT_OVERLAP_MS, deleteEndpoint, MAX_OVERLAP_MS, MAX_REPLAY, replayEvents, rotateEndpointSecret,
  TooManyEndpointsError, UnknownEventTypeError, updateEndpoint,
} from '../webhooks/endpoints.ts';
import type { WebhookAdmin } from '../webhooks/endpoints.ts';
import { STREAMED } from './admin-audit.ts';
import { readAdminJson } from './admin-body.ts';
import { AdminError } from './admin-errors.ts';
import { operatorAudit } from './admin-users.ts';
import { sendPlainJson } from './json-error.ts';
import type { MountContext } from './mount.ts';

const allow = (methods: string): Error => new AdminError('method_not_allowed', `Method not allowed here; allowed: ${methods}`, { allow: methods });
const noWebhook = (): Error => new AdminError('not_found', 'No such webhook endpoint');

/** The admin view of an endpoint: its settings and delivery state, no secret. */
export function webhookView(e: WebhookEndpoint): Record<string, unknown> {
  return {
    id: e.id, url: e.url, events: e.events, enabled: e.enabled, disabledReason: e.disabledReason, createdAt: e.createdAt, updatedAt: e.updatedAt,
    delivery: { nextSequence: e.nextSeq, attempts: e.attempts, nextAttemptAt: e.nextAttemptAt, failingSince: e.failingSince, pendingReplays: e.pendingReplays },
  };
}

const attemptView = (a: StoredDeliveryAttempt): Record<string, unknown> => ({
  id: a.id, eventId: a.eventId, sequence: a.eventSeq, type: a.eventType, attempt: a.attempt, at: a.at, status: a.status,
  latencyMs: a.latencyMs, response: a.response, error: a.error, outcome: a.outcome,
});

function onlyMembers(body: Record<string, unknown>, allowed: readonly string[]): void {
  const extra = Object.keys(body).filter((k) => !allowed.includes(k));
  if (extra.length > 0) throw new AdminError('invalid_request', `Unknown member ${JSON.stringify(extra[0]!.slice(0, 64))}; allowed: ${allowed.map((a) => `"${a}"`).join(', ')}`);
}

/** Input errors of the webhook use cases as catalogue errors. */
async function inputErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof UnknownEventTypeError) throw new AdminError('unknown_event_type', e.message);
    if (e instanceof WebhookUrlError) throw new AdminError('webhook_url_refused', e.message);
    if (e instanceof TooManyEndpointsError) throw new AdminError('conflict', e.message);
    if (e instanceof TypeError) throw new AdminError('invalid_request', e.message);
    throw e;
  }
}

const seqOf = (v: unknown, name: string): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new AdminError('invalid_request', `"${name}" must be a positive integer`);
  return v;
};

/**
 * Answers `tenants/{tenantId}/webhooks…` (segments after `/api/v1`); undefined when the
 * path is not one of these routes, `STREAMED` when it wrote the response itself.
 */
export async function routeWebhooks(
  store: Store, allowPrivateNetworks: boolean, req: IncomingMessage, res: ServerResponse, method: string,
  segments: readonly string[], ctx: MountContext, token: string,
): Promise<unknown> {
  if (segments[0] !== 'tenants' || segments[2] !== 'webhooks' || segments.length > 5) return undefined;
  const rest = segments.slice(3);
  if (rest.length === 2 && !['rotate-secret', 'deliveries', 'replay'].includes(rest[1]!)) return undefined;
  const tenantId = segments[1]!;
  if ((await store.getTenant(tenantId)) === undefined) throw new AdminError('not_found', 'No such tenant');
  const a: WebhookAdmin = { store, tenantId, audit: operatorAudit(ctx, method, token), allowPrivateNetworks };

  if (rest.length === 0) {
    if (method === 'POST') {
      const body = await readAdminJson(req);
      onlyMembers(body, ['url', 'events']);
      const { endpoint, secret } = await inputErrors(() => createEndpoint(a, { url: body['url'], events: body['events'] }));
      sendPlainJson(res, 201, { ...webhookView(endpoint), secret });
      return STREAMED;
    }
    if (method !== 'GET' && method !== 'HEAD') throw allow('GET, HEAD, POST');
    return { webhooks: (await store.webhooks.list(tenantId)).map(webhookView) };
  }
  const id = rest[0]!;
  if (rest.length === 1) {
    if (method === 'GET' || method === 'HEAD') {
      const e = await store.webhooks.get(tenantId, id);
      if (e === undefined) throw noWebhook();
      return webhookView(e);
    }
    if (method === 'PATCH') {
      const body = await readAdminJson(req);
      onlyMembers(body, ['url', 'events', 'enabled']);
      const e = await inputErrors(() => updateEndpoint(a, id, body));
      if (e === undefined) throw noWebhook();
      return webhookView(e);
    }
    if (method === 'DELETE') {
      if (!(await deleteEndpoint(a, id))) throw noWebhook();
      res.writeHead(204);
      res.end();
      return STREAMED;
    }
    throw allow('GET, HEAD, PATCH, DELETE');
  }
  if (rest[1] === 'deliveries') {
    if (method !== 'GET' && method !== 'HEAD') throw allow('GET, HEAD');
    if ((await store.webhooks.get(tenantId, id)) === undefined) throw noWebhook();
    const rawLimit = ctx.query.get('limit');
    const rawBefore = ctx.query.get('before');
    if (rawLimit !== null && !/^[1-9]\d{0,6}$/.test(rawLimit)) throw new AdminError('invalid_request', '"limit" must be a positive integer');
    if (rawBefore !== null && !/^[1-9]\d{0,15}$/.test(rawBefore)) throw new AdminError('invalid_request', '"before" must be the "next" of a previous page');
    const limit = Math.min(Number(rawLimit ?? 100), 1000);
    const attempts = await store.webhooks.listAttempts(tenantId, id, { limit, ...(rawBefore !== null ? { before: Number(rawBefore) } : {}) });
    return { deliveries: attempts.map(attemptView), next: attempts.length === limit ? String(attempts[attempts.length - 1]!.id) : null };
  }
  if (method !== 'POST') throw allow('POST');
  const body = await readAdminJson(req);
  if (rest[1] === 'rotate-secret') {
    onlyMembers(body, ['overlapSeconds']);
    const s = body['overlapSeconds'];
    if (s !== undefined && (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s * 1000 > MAX_OVERLAP_MS)) {
      throw new AdminError('invalid_request', `"overlapSeconds" must be an integer from 0 to ${MAX_OVERLAP_MS / 1000}`);
    }
    const r = await rotateEndpointSecret(a, id, s === undefined ? DEFAULT_OVERLAP_MS : s * 1000);
    if (r === undefined) throw noWebhook();
    return { id, secret: r.secret, previousSecretExpiresAt: r.previousSecretExpiresAt };
  }
  // replay
  onlyMembers(body, ['eventId', 'fromSequence', 'toSequence']);
  let from: number;
  let to: number;
  if (body['eventId'] !== undefined) {
    if (body['fromSequence'] !== undefined || body['toSequence'] !== undefined) throw new AdminError('invalid_request', 'Send "eventId" or "fromSequence" and "toSequence", not both');
    if (typeof body['eventId'] !== 'string' || body['eventId'].length > 64) throw new AdminError('invalid_request', '"eventId" must be an event id');
    const seq = await store.webhooks.eventSeq(tenantId, body['eventId']);
    if (seq === undefined) throw new AdminError('not_found', 'No such event of this tenant');
    from = to = seq;
  } else {
    from = seqOf(body['fromSequence'], 'fromSequence');
    to = seqOf(body['toSequence'], 'toSequence');
    if (to < from || to - from + 1 > MAX_REPLAY) throw new AdminError('invalid_request', `"toSequence" must be at least "fromSequence" and the range at most ${MAX_REPLAY} events`);
  }
  const r = await replayEvents(a, id, from, to);
  if (r === undefined) throw noWebhook();
  return { id, fromSequence: from, toSequence: to, queued: r.queued };
}
