/**
 * The events feed of the admin API (docs/events.md):
 *
 * - `GET /api/v1/tenants/{tenantId}/events?after=&types=&limit=`: one tenant's events by `sequence`;
 * - `GET /api/v1/events?after=&types=&limit=`: every tenant's, in the global commit order.
 *
 * Both answer `{ "events": [envelope…], "next": "<cursor>", "hasMore": boolean }`. `next` is
 * always there: at the end of the feed it is where to poll from. A cursor older than what
 * `--events-retention` kept is 410 `cursor_expired`, never a silent gap.
 */
import { FEED_DEFAULT_LIMIT, FEED_MAX_LIMIT, FeedExpiredError, FeedPositionUnknownError, readFeed, toEnvelope } from '../directory/event-feed.ts';
import type { Store } from '../store/store.ts';
import { AdminError } from './admin-errors.ts';
import type { MountContext } from './mount.ts';

const CURSOR_PREFIX = 'ev1.';
const KNOWN = new Set(['after', 'types', 'limit', 'access_token']);
/** `user.created`, `scim_setup.key_rotated` …: lower case words joined by `.`. */
const TYPE = /^[a-z][a-z_]{0,63}(?:\.[a-z][a-z_]{0,63}){1,3}$/;
/** Most types one request may name. */
export const FEED_MAX_TYPES = 64;

/** The cursor of position `position` in the feed of `scope` (a tenant id, or `*` for all tenants). */
export function encodeFeedCursor(scope: string, position: number): string {
  return CURSOR_PREFIX + Buffer.from(JSON.stringify([scope, position]), 'utf8').toString('base64url');
}

function decodeFeedCursor(scope: string, raw: string): number {
  const bad = (): never => { throw new AdminError('invalid_request', '"after" is not a cursor this feed returned'); };
  if (!raw.startsWith(CURSOR_PREFIX) || raw.length > 1024) return bad();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw.slice(CURSOR_PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    return bad();
  }
  if (!Array.isArray(value) || value.length !== 2 || value[0] !== scope || !Number.isSafeInteger(value[1]) || (value[1] as number) < 0) return bad();
  return value[1] as number;
}

function feedQuery(query: URLSearchParams, scope: string): { after?: number; types: string[]; limit: number } {
  for (const [name, value] of query) {
    if (!KNOWN.has(name)) throw new AdminError('invalid_request', `Unknown parameter ${JSON.stringify(name.slice(0, 64))}`);
    if (query.getAll(name).length > 1) throw new AdminError('invalid_request', `"${name}" is given more than once`);
    if (value.length > 4096) throw new AdminError('invalid_request', `"${name}" is too long`);
  }
  let limit = FEED_DEFAULT_LIMIT;
  const rawLimit = query.get('limit');
  if (rawLimit !== null) {
    if (!/^\d{1,7}$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > FEED_MAX_LIMIT) {
      throw new AdminError('invalid_request', `"limit" must be an integer from 1 to ${FEED_MAX_LIMIT}`);
    }
    limit = Number(rawLimit);
  }
  const rawTypes = query.get('types');
  const types = rawTypes === null ? [] : [...new Set(rawTypes.split(','))];
  if (types.length > FEED_MAX_TYPES) throw new AdminError('invalid_request', `"types" names at most ${FEED_MAX_TYPES} event types`);
  for (const t of types) {
    if (!TYPE.test(t)) throw new AdminError('invalid_request', `"types" must be event types separated by commas, e.g. user.created,user.deleted`);
  }
  const after = query.get('after');
  return { types, limit, ...(after !== null ? { after: decodeFeedCursor(scope, after) } : {}) };
}

async function answer(store: Store, tenantId: string | undefined, ctx: MountContext): Promise<unknown> {
  const scope = tenantId ?? '*';
  const q = feedQuery(ctx.query, scope);
  try {
    const page = await readFeed(store, { ...(tenantId !== undefined ? { tenantId } : {}), ...q });
    // A tenant that does not exist and never had an event is unknown; a deleted tenant's events stay readable.
    if (tenantId !== undefined && page.empty && (await store.getTenant(tenantId)) === undefined) throw new AdminError('not_found', 'No such tenant');
    return { events: page.events.map(toEnvelope), next: encodeFeedCursor(scope, page.next), hasMore: page.hasMore };
  } catch (e) {
    if (e instanceof FeedExpiredError) throw new AdminError('cursor_expired', `${e.message}; start again without "after" (or from your own state)`);
    if (e instanceof FeedPositionUnknownError) throw new AdminError('invalid_request', '"after" is not a cursor this feed returned');
    throw e;
  }
}

/**
 * Answers `events` and `tenants/{tenantId}/events` (segments after `/api/v1`); undefined
 * when the path is neither.
 */
export async function routeEvents(store: Store, method: string, segments: readonly string[], ctx: MountContext): Promise<unknown> {
  const all = segments.length === 1 && segments[0] === 'events';
  const tenant = segments.length === 3 && segments[0] === 'tenants' && segments[2] === 'events';
  if (!all && !tenant) return undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    throw new AdminError('method_not_allowed', 'Method not allowed here; allowed: GET, HEAD', { allow: 'GET, HEAD' });
  }
  return answer(store, tenant ? segments[1]! : undefined, ctx);
}
