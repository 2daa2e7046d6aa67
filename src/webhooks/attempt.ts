/**
 * One attempt to deliver one event to one endpoint (docs/webhooks.md "Headers and
 * verifying"): the JSON body `{type, timestamp, tenantId, sequence, data}`, the headers
 * `webhook-id` (the event id), `webhook-timestamp` and `webhook-signature` (one
 * signature per live secret, the current one first), the request, and the attempt's
 * record for the store.
 */
import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { OutboxEvent } from '../store/store.ts';
import type { DeliveryAttempt } from '../store/webhooks.ts';
import { postWebhook } from './deliver.ts';
import type { WebhookResponse } from './deliver.ts';
import { sign } from './secrets.ts';

/** What an attempt needs besides the event. */
export interface AttemptTarget {
  readonly endpointId: string;
  readonly url: string;
  /** The opened secrets that sign now, the current one first. */
  readonly secrets: readonly string[];
  readonly timeoutMs: number;
  readonly allowPrivateNetworks: boolean;
  readonly signal: AbortSignal;
  readonly agents?: { readonly http: HttpAgent; readonly https: HttpsAgent };
}

/** The JSON body of an event's delivery. */
export function eventBody(event: OutboxEvent): string {
  return JSON.stringify({ type: event.type, timestamp: event.occurredAt, tenantId: event.tenantId, sequence: event.seq, data: event.payload });
}

/** Sends the event once; `record` is the attempt as stored (undefined when aborted by a shutdown). */
export async function attemptDelivery(
  t: AttemptTarget, event: OutboxEvent, attempt: number, outcomeIfFailed: 'failed' | 'gave_up',
): Promise<{ res: WebhookResponse; record?: DeliveryAttempt }> {
  const body = eventBody(event);
  const ts = Math.floor(Date.now() / 1000);
  const signature = t.secrets.map((s) => sign(s, event.id, ts, body)).join(' ');
  const res = await postWebhook({
    url: t.url, body, timeoutMs: t.timeoutMs, allowPrivateNetworks: t.allowPrivateNetworks, signal: t.signal,
    headers: { 'webhook-id': event.id, 'webhook-timestamp': String(ts), 'webhook-signature': signature },
    ...(t.agents !== undefined ? { agents: t.agents } : {}),
  });
  if (res.aborted) return { res };
  return {
    res,
    record: {
      endpointId: t.endpointId, eventId: event.id, eventSeq: event.seq, eventType: event.type, attempt, at: new Date().toISOString(),
      status: res.status, latencyMs: res.latencyMs, response: res.response, error: res.error, outcome: res.ok ? 'delivered' : outcomeIfFailed,
    },
  };
}
