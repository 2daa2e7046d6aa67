/**
 * `roster-scim/client`: a small typed client of Roster's admin API (`/api/v1`) for a host
 * application that runs Roster as a separate service (docs/embedding.md "The admin
 * client"). It uses the global `fetch` and imports nothing of the server.
 *
 *   const admin = createAdminClient({ baseUrl: 'https://roster.internal', token: process.env.ROSTER_OPERATOR_TOKEN });
 *   for await (const event of admin.events.iterate({ tenantId, after: saved })) { … }
 *
 * Every answer that is not 2xx throws an `AdminApiError` with the catalogue's `code`.
 */
import { AdminApiError } from './errors.ts';
import type {
  AdminAccess, AdminAuditEvent, AdminCreatedTenant, AdminDeletedSetup, AdminEvent, AdminIssuedKey, AdminKey, AdminMember,
  AdminPermission, AdminRole, AdminTenant, AdminUser, AdminWebhook, EventsPage, Page,
} from './types.ts';

export { AdminApiError, isAdminApiError } from './errors.ts';
export type { AdminApiErrorCode } from './errors.ts';
export type * from './types.ts';

/** How to reach the admin API. */
export interface AdminClientOptions {
  /** Roster's public URL (the part before `/api/v1`), e.g. `https://roster.internal` or `https://app.example.com/roster`. */
  readonly baseUrl: string;
  /** An operator token (`roster admin-token create`, or the host's own with `verifyOperator`). */
  readonly token: string;
  /** Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
}

/** Paging of the admin lists. */
export interface PageOptions {
  readonly limit?: number;
  readonly after?: string;
}

/** Filters of the audit (docs/audit.md "Reading the audit"). */
export interface AuditQuery {
  readonly resourceType?: string;
  readonly resourceId?: string;
  readonly actor?: string;
  readonly operation?: string;
  readonly outcome?: string;
  readonly since?: string;
  readonly until?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

/** What to read of the events feed (docs/events.md). */
export interface EventsQuery {
  /** One tenant's feed; absent = all tenants. */
  readonly tenantId?: string;
  /** A `next` from an earlier page; absent = from the oldest event kept. */
  readonly after?: string;
  readonly types?: readonly string[];
  readonly limit?: number;
}

type Query = Record<string, string | number | undefined>;

/** The typed admin client. */
export interface AdminClient {
  readonly tenants: {
    list(): Promise<AdminTenant[]>;
    /** The tenant, or `not_found`. */
    get(tenantId: string): Promise<AdminTenant>;
    /** A tenant with its SCIM setup; the first key is in the answer only. */
    create(tenant: { name: string; idp: string; deprovision?: 'deactivate' | 'delete' }): Promise<AdminCreatedTenant>;
    update(tenantId: string, change: { name?: string; idp?: string; deprovision?: 'deactivate' | 'delete' }): Promise<AdminTenant>;
    setDeprovision(tenantId: string, policy: 'deactivate' | 'delete'): Promise<AdminTenant>;
    /** Ends provisioning: keys revoked at once, `users` applied to what the identity provider provisioned. */
    deleteSetup(tenantId: string, users: 'keep' | 'deactivate' | 'delete'): Promise<AdminDeletedSetup>;
    /** Erases the tenant with its keys, users and roles (its audit stays). */
    delete(tenantId: string): Promise<void>;
  };
  readonly keys: {
    /** The tenant's keys, masked. */
    list(tenantId: string): Promise<readonly AdminKey[]>;
    /** One more key; the plaintext is in the answer only. */
    create(tenantId: string): Promise<AdminIssuedKey>;
    /** A new key; the others expire after `graceSeconds` (default 0: at once). */
    rotate(tenantId: string, opts?: { graceSeconds?: number }): Promise<AdminIssuedKey & { previousKeysExpireAt: string }>;
    revoke(tenantId: string, keyId: string): Promise<AdminKey>;
  };
  readonly users: {
    list(tenantId: string, opts?: PageOptions & { userName?: string }): Promise<Page<AdminUser>>;
    /** Every user, page after page. */
    iterate(tenantId: string, opts?: { limit?: number }): AsyncIterable<AdminUser>;
    /** The user named `userName` (case-insensitively), or undefined. */
    findByUserName(tenantId: string, userName: string): Promise<AdminUser | undefined>;
    suspend(tenantId: string, userId: string): Promise<AdminUser>;
    unsuspend(tenantId: string, userId: string): Promise<AdminUser>;
  };
  readonly roles: {
    list(tenantId: string, opts?: PageOptions): Promise<Page<AdminRole>>;
    create(tenantId: string, name: string): Promise<AdminRole>;
    rename(tenantId: string, roleId: string, name: string): Promise<AdminRole>;
    members(tenantId: string, roleId: string, opts?: PageOptions): Promise<Page<AdminMember>>;
    setPermissions(tenantId: string, roleId: string, permissions: readonly string[]): Promise<AdminRole>;
  };
  readonly permissions: {
    list(): Promise<AdminPermission[]>;
  };
  readonly access: {
    check(tenantId: string, userId: string): Promise<AdminAccess>;
  };
  readonly audit: {
    list(tenantId: string, query?: AuditQuery): Promise<Page<AdminAuditEvent>>;
    iterate(tenantId: string, query?: Omit<AuditQuery, 'cursor'>): AsyncIterable<AdminAuditEvent>;
  };
  readonly events: {
    /** One page of the feed. A cursor older than retention throws `cursor_expired`. */
    list(query?: EventsQuery): Promise<EventsPage>;
    /**
     * Every event from `after` to the end of the feed as it is now, page after page.
     * Remember `lastCursor()` (the `next` of the last page read) to resume later.
     */
    iterate(query?: EventsQuery): AsyncIterable<AdminEvent> & { lastCursor(): string | undefined };
  };
  /** Webhook endpoints of a tenant (thin: the admin API's answers as they are). */
  readonly webhooks: {
    create(tenantId: string, endpoint: { url: string; events: readonly string[] }): Promise<AdminWebhook>;
    list(tenantId: string): Promise<AdminWebhook[]>;
    delete(tenantId: string, webhookId: string): Promise<unknown>;
    deliveries(tenantId: string, webhookId: string, opts?: PageOptions): Promise<unknown>;
  };
}

const seg = encodeURIComponent;

/** Creates a client of the admin API at `baseUrl` + `/api/v1`. */
export function createAdminClient(opts: AdminClientOptions): AdminClient {
  const root = `${opts.baseUrl.replace(/\/+$/, '')}/api/v1`;
  const doFetch = opts.fetch ?? fetch;

  async function call<T>(method: string, path: string, query: Query = {}, body?: unknown): Promise<T> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, String(v));
    const url = `${root}${path}${qs.size > 0 ? `?${qs.toString()}` : ''}`;
    const res = await doFetch(url, {
      method,
      headers: { authorization: `Bearer ${opts.token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const err = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      const code = typeof err?.code === 'string' ? err.code : 'unexpected';
      const message = typeof err?.message === 'string' ? err.message : `HTTP ${res.status}`;
      throw new AdminApiError(res.status, code, message, res.headers.get('x-request-id') ?? undefined);
    }
    return json as T;
  }

  const page = <T>(items: readonly T[] | undefined, next: string | null | undefined): Page<T> => ({ items: items ?? [], next: next ?? null });

  async function* pages<T>(read: (after: string | undefined) => Promise<Page<T>>): AsyncGenerator<T> {
    let after: string | undefined;
    for (;;) {
      const p = await read(after);
      yield* p.items;
      if (p.next === null) return;
      after = p.next;
    }
  }

  const tenants: AdminClient['tenants'] = {
    list: async () => (await call<{ tenants: AdminTenant[] }>('GET', '/tenants')).tenants,
    get: (tenantId) => call('GET', `/tenants/${seg(tenantId)}`),
    create: (t) => call('POST', '/tenants', {}, t),
    update: (tenantId, change) => call('PATCH', `/tenants/${seg(tenantId)}`, {}, change),
    setDeprovision: (tenantId, policy) => call('PATCH', `/tenants/${seg(tenantId)}`, {}, { deprovision: policy }),
    deleteSetup: (tenantId, users) => call('DELETE', `/tenants/${seg(tenantId)}/scim`, { users }),
    async delete(tenantId) {
      await call('DELETE', `/tenants/${seg(tenantId)}`);
    },
  };

  const users: AdminClient['users'] = {
    async list(tenantId, o = {}) {
      const r = await call<{ users: AdminUser[]; next: string | null }>('GET', `/tenants/${seg(tenantId)}/users`, { limit: o.limit, after: o.after, userName: o.userName });
      return page(r.users, r.next);
    },
    iterate: (tenantId, o = {}) => pages((after) => users.list(tenantId, { ...o, ...(after !== undefined ? { after } : {}) })),
    async findByUserName(tenantId, userName) {
      return (await users.list(tenantId, { userName, limit: 1 })).items[0];
    },
    suspend: (tenantId, userId) => call('POST', `/tenants/${seg(tenantId)}/users/${seg(userId)}/suspend`),
    unsuspend: (tenantId, userId) => call('POST', `/tenants/${seg(tenantId)}/users/${seg(userId)}/unsuspend`),
  };

  const audit: AdminClient['audit'] = {
    async list(tenantId, q = {}) {
      const r = await call<{ events: AdminAuditEvent[]; next: string | null }>('GET', `/tenants/${seg(tenantId)}/audit`, { ...q });
      return page(r.events, r.next);
    },
    iterate: (tenantId, q = {}) => pages((cursor) => audit.list(tenantId, { ...q, ...(cursor !== undefined ? { cursor } : {}) })),
  };

  const events: AdminClient['events'] = {
    list(q = {}) {
      const path = q.tenantId === undefined ? '/events' : `/tenants/${seg(q.tenantId)}/events`;
      return call<EventsPage>('GET', path, { after: q.after, limit: q.limit, types: q.types !== undefined && q.types.length > 0 ? q.types.join(',') : undefined });
    },
    iterate(q = {}) {
      let cursor = q.after;
      async function* run(): AsyncGenerator<AdminEvent> {
        for (;;) {
          const p = await events.list({ ...q, ...(cursor !== undefined ? { after: cursor } : {}) });
          yield* p.events;
          cursor = p.next;
          if (!p.hasMore) return;
        }
      }
      return Object.assign(run(), { lastCursor: () => cursor });
    },
  };

  return {
    tenants,
    keys: {
      list: async (tenantId) => (await call<{ keys: AdminKey[] }>('GET', `/tenants/${seg(tenantId)}/keys`)).keys,
      create: (tenantId) => call('POST', `/tenants/${seg(tenantId)}/keys`, {}, {}),
      rotate: (tenantId, o = {}) => call('POST', `/tenants/${seg(tenantId)}/keys/rotate`, {}, o),
      revoke: (tenantId, keyId) => call('DELETE', `/tenants/${seg(tenantId)}/keys/${seg(keyId)}`),
    },
    users,
    roles: {
      async list(tenantId, o = {}) {
        const r = await call<{ roles: AdminRole[]; next: string | null }>('GET', `/tenants/${seg(tenantId)}/roles`, { limit: o.limit, after: o.after });
        return page(r.roles, r.next);
      },
      create: (tenantId, name) => call('POST', `/tenants/${seg(tenantId)}/roles`, {}, { name }),
      rename: (tenantId, roleId, name) => call('PATCH', `/tenants/${seg(tenantId)}/roles/${seg(roleId)}`, {}, { name }),
      async members(tenantId, roleId, o = {}) {
        const r = await call<{ members: AdminMember[]; next: string | null }>('GET', `/tenants/${seg(tenantId)}/roles/${seg(roleId)}/members`, { limit: o.limit, after: o.after });
        return page(r.members, r.next);
      },
      setPermissions: (tenantId, roleId, permissions) => call('PUT', `/tenants/${seg(tenantId)}/roles/${seg(roleId)}/permissions`, {}, { permissions }),
    },
    permissions: { list: async () => (await call<{ permissions: AdminPermission[] }>('GET', '/permissions')).permissions },
    access: { check: (tenantId, userId) => call('GET', `/tenants/${seg(tenantId)}/access/${seg(userId)}`) },
    audit,
    events,
    webhooks: {
      create: (tenantId, endpoint) => call('POST', `/tenants/${seg(tenantId)}/webhooks`, {}, { url: endpoint.url, events: endpoint.events }),
      list: async (tenantId) => {
        const r = await call<{ webhooks?: AdminWebhook[] } | AdminWebhook[]>('GET', `/tenants/${seg(tenantId)}/webhooks`);
        return Array.isArray(r) ? r : (r.webhooks ?? []);
      },
      delete: (tenantId, webhookId) => call('DELETE', `/tenants/${seg(tenantId)}/webhooks/${seg(webhookId)}`),
      deliveries: (tenantId, webhookId, o = {}) => call('GET', `/tenants/${seg(tenantId)}/webhooks/${seg(webhookId)}/deliveries`, { limit: o.limit, after: o.after }),
    },
  };
}
