/**
 * The OpenAPI 3.1 description of the admin API, served at `/api/v1/openapi.json`
 * (docs/architecture.md, Admin API). Its paths and methods are exactly the route table's
 * (`admin-routes.ts`), and the document is validated against the OpenAPI 3.1 schema,
 * both by test/http/admin-openapi.test.ts.
 */
import { IDPS } from '../domain/tenant.ts';
import { ADMIN_ERRORS } from './admin-errors.ts';

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const str = (description?: string, extra: Json = {}): Json => ({ type: 'string', ...(description !== undefined ? { description } : {}), ...extra });
const time = (description: string, nullable = false): Json => ({ type: nullable ? ['string', 'null'] : 'string', format: 'date-time', description });
const arrayOf = (items: Json): Json => ({ type: 'array', items });
const obj = (properties: Record<string, Json>, required: readonly string[] = Object.keys(properties)): Json => ({ type: 'object', properties, required });
const nextCursor: Json = { type: ['string', 'null'], description: 'Pass as `after` for the next page; null on the last page.' };

const pathParam = (name: string, description: string): Json => ({ name, in: 'path', required: true, schema: { type: 'string' }, description });
const query = (name: string, description: string, schema: Json = { type: 'string' }, required = false): Json => ({ name, in: 'query', required, schema, description });
const paging = [query('limit', 'Page size (1–1000, default 100).', { type: 'integer', minimum: 1, maximum: 1000 }), query('after', 'Cursor: the `next` of the previous page.')];

const json = (schema: Json, description: string): Json => ({ description, content: { 'application/json': { schema } } });
const body = (schema: Json): Json => ({ required: true, content: { 'application/json': { schema } } });
const errors = (...codes: readonly number[]): Record<string, Json> =>
  Object.fromEntries(codes.map((c) => [String(c), { $ref: `#/components/responses/E${c}` }]));

const op = (summary: string, responses: Record<string, Json>, extra: Json = {}): Json => ({
  summary, ...extra, responses: { ...responses, ...errors(401, 404, 405) },
});

const TENANT = pathParam('tenantId', 'The tenant id.');
const USER = pathParam('userId', 'The SCIM id of the user.');
const ROLE = pathParam('roleId', 'The SCIM id of the Group that is the role.');
const WEBHOOK = pathParam('webhookId', 'The webhook endpoint id.');

const schemas: Record<string, Json> = {
  Error: obj({ error: obj({ code: str('A stable code of the catalogue.', { enum: Object.keys(ADMIN_ERRORS) }), message: str('For people; clients branch on `code`.') }) }),
  Key: obj({
    id: str('The public id part of the key.'),
    key: str('The masked key, `roster_<id>_…<last4>`; never the secret.'),
    createdAt: time('When it was issued.'),
    expiresAt: time('When it stops (stopped) working; null: no end.', true),
    lastUsedAt: time('When it last authenticated a SCIM request (recorded every few seconds); null: never.', true),
    active: { type: 'boolean' },
  }),
  IssuedKey: {
    allOf: [ref('Key'), obj({ apiKey: str('The plaintext key: shown in this answer only, never stored.') })],
  },
  RotatedKey: {
    allOf: [ref('IssuedKey'), obj({ previousKeysExpireAt: time('When the previous keys stop working.') })],
  },
  Tenant: obj({
    id: str(), name: str(), idp: str('The identity provider (selects its compatibility profile).', { enum: [...IDPS] }),
    createdAt: time('Creation time.'),
    scimBaseUrl: str('The SCIM base URL to give the identity provider.', { format: 'uri' }),
    deprovision: str('What a DELETE from the identity provider does.', { enum: ['deactivate', 'delete'] }),
    scimEnabled: { type: 'boolean', description: 'Whether a live key can reach the SCIM endpoint.' },
    keys: arrayOf(ref('Key')),
  }),
  CreatedTenant: { allOf: [ref('Tenant'), obj({ apiKey: str('The first API key: shown in this answer only.') })] },
  DeletedSetup: obj({
    tenantId: str(), users: str('The choice applied.', { enum: ['keep', 'deactivate', 'delete'] }),
    revokedKeys: { type: 'integer' }, usersAffected: { type: 'integer' }, rolesAffected: { type: 'integer' }, deletedAt: time('When.'),
  }),
  User: obj({
    id: str('The SCIM id.'), userName: str(), externalId: { type: ['string', 'null'] },
    status: str('', { enum: ['active', 'inactive', 'suspended'] }),
    managed: { type: 'boolean', description: "Managed by the tenant's identity provider." },
    roles: arrayOf(str('A role id.')),
    deprovisionedAt: time('When the identity provider deprovisioned it.', true),
    suspendedAt: time('When an administrator suspended it.', true),
  }),
  UserDetail: {
    allOf: [ref('User'), obj({ permissions: arrayOf(str()), history: arrayOf(ref('AuditEvent')) })],
  },
  Access: obj({ allowed: { type: 'boolean' }, permissions: arrayOf(str()) }),
  Permission: obj({ name: str(), description: str() }),
  Role: obj({
    id: str(), name: str(), managed: { type: 'boolean', description: 'Created over SCIM (false: created on the platform).' },
    permissions: arrayOf(str()), memberCount: { type: 'integer' },
  }),
  Member: obj({ id: str(), type: str('', { enum: ['User', 'Group'] }), display: str() }, ['id', 'type']),
  AuditEvent: {
    type: 'object',
    required: ['seq', 'id', 'occurredAt', 'actorKind', 'resourceType', 'resourceId', 'operation', 'change', 'outcome', 'status', 'normalisations'],
    properties: {
      seq: { type: 'integer' }, id: str(), occurredAt: time('When.'), actorKind: str(), actorId: { type: ['string', 'null'] },
      actorLabel: { type: ['string', 'null'] }, requestId: { type: ['string', 'null'] }, idp: { type: ['string', 'null'] },
      method: { type: ['string', 'null'] }, path: { type: ['string', 'null'], description: 'Filter values redacted.' },
      resourceType: str(), resourceId: str(), operation: str(), change: { description: 'The attribute-level change; never a secret.' },
      outcome: str(), status: { type: 'integer' }, normalisations: arrayOf(str()),
    },
  },
  Event: obj({
    id: str('Globally unique and stable: the idempotency key.'), type: str('user.created, role.member_added … (docs/audit.md)'),
    tenantId: str(), sequence: { type: 'integer', description: 'Per tenant, strictly increasing.' }, occurredAt: time('When it committed.'),
    payload: { type: 'object', description: 'The platform-side view; never a password, key or filter.' },
  }),
  EventPage: obj({
    events: arrayOf(ref('Event')),
    next: str('Opaque cursor: pass as `after` to read on (also at the end, to poll).'),
    hasMore: { type: 'boolean' },
  }),
  Webhook: obj({
    id: str(), url: str('http(s) URL; private addresses refused unless allowed (docs/webhooks.md).', { format: 'uri' }),
    events: arrayOf(str('An event type.')), enabled: { type: 'boolean' }, disabledReason: { type: ['string', 'null'] },
    createdAt: time('Created.'), updatedAt: time('Changed.'),
    delivery: obj({
      nextSequence: { type: 'integer' }, attempts: { type: 'integer' }, nextAttemptAt: time('When the held event is tried next.'),
      failingSince: time('Since when the held event fails.', true), pendingReplays: { type: 'integer' },
    }),
  }),
  CreatedWebhook: { allOf: [ref('Webhook'), obj({ secret: str('`whsec_…`: shown in this answer only.') })] },
  DeliveryAttempt: obj({
    id: { type: ['integer', 'string'] }, eventId: str(), sequence: { type: 'integer' }, type: str(), attempt: { type: 'integer' }, at: time('When.'),
    status: { type: ['integer', 'null'] }, latencyMs: { type: 'integer' }, response: { type: ['string', 'null'], description: 'The first 1 KiB of the answer.' },
    error: { type: ['string', 'null'] }, outcome: str('', { enum: ['delivered', 'failed', 'gave_up'] }),
  }),
  Health: obj({
    lastRequestAt: time('The latest SCIM request.', true),
    hours: arrayOf(obj({ hour: time('Start of the UTC hour.'), requests: { type: 'integer' }, errors: { type: 'integer' } })),
    days: arrayOf(obj({ day: str('UTC day, YYYY-MM-DD.'), requests: { type: 'integer' }, errors: { type: 'integer' } })),
    errors: arrayOf(obj({ at: time('When.'), status: { type: 'integer' }, method: str(), path: str(), body: { description: 'The SCIM error body (RFC 7644 §3.12).' } })),
  }),
};

const auditFilters = [
  query('resourceType', 'User, Group, ScimSetup, Tenant …'), query('resourceId', 'One resource.'), query('actor', 'An actor id.'),
  query('operation', 'create, patch, delete, suspend …'), query('outcome', 'success, refused, failed.'),
  query('since', 'From this time (ISO 8601).'), query('until', 'Before this time (ISO 8601).'),
];

const feedParams = [
  query('after', 'Cursor: the `next` of a previous page; absent: from the oldest kept event.'),
  query('types', 'Comma-separated event types (at most 64).'),
  query('limit', 'Page size (1–1000, default 100).', { type: 'integer', minimum: 1, maximum: 1000 }),
];

const paths: Record<string, Json> = {
  '/openapi.json': { get: { summary: 'This document', security: [], responses: { 200: { description: 'The OpenAPI 3.1 description', content: { 'application/json': {} } }, ...errors(405) } } },
  '/permissions': { get: op('The permission catalogue of the deployment', { 200: json(obj({ permissions: arrayOf(ref('Permission')) }), 'The catalogue') }) },
  '/tenants': {
    get: op('List tenants', { 200: json(obj({ tenants: arrayOf(ref('Tenant')) }), 'Every tenant') }),
    post: op('Create a tenant with its SCIM setup and first API key', { 201: json(ref('CreatedTenant'), 'Created; the key is shown once'), ...errors(400) }, {
      requestBody: body(obj({ name: str('1–200 characters.'), idp: str('', { enum: [...IDPS] }), deprovision: str('', { enum: ['deactivate', 'delete'] }) }, ['name', 'idp'])),
    }),
  },
  '/tenants/{tenantId}': {
    parameters: [TENANT],
    get: op('Read a tenant', { 200: json(ref('Tenant'), 'The tenant') }),
    patch: op('Rename, change the identity provider or the deprovisioning policy', { 200: json(ref('Tenant'), 'The tenant as now stored'), ...errors(400) }, {
      requestBody: body({ type: 'object', properties: { name: str(), idp: str('', { enum: [...IDPS] }), deprovision: str('', { enum: ['deactivate', 'delete'] }) }, minProperties: 1 }),
    }),
    delete: op('Erase the tenant with its keys, users and roles (its audit stays)', { 204: { description: 'Erased' } }),
  },
  '/tenants/{tenantId}/scim': {
    parameters: [TENANT],
    delete: op("Delete the tenant's SCIM setup: keys revoked at once, the choice applied to its users", { 200: json(ref('DeletedSetup'), 'Done'), ...errors(400) }, {
      parameters: [query('users', 'What happens to the provisioned users.', { type: 'string', enum: ['keep', 'deactivate', 'delete'] }, true)],
    }),
  },
  '/tenants/{tenantId}/keys': {
    parameters: [TENANT],
    get: op('List the API keys (masked)', { 200: json(obj({ keys: arrayOf(ref('Key')) }), 'The keys, oldest first') }),
    post: op('Issue one more API key', { 201: json(ref('IssuedKey'), 'Issued; shown once'), ...errors(400, 409) }, { requestBody: body({ type: 'object', maxProperties: 0 }) }),
  },
  '/tenants/{tenantId}/keys/rotate': {
    parameters: [TENANT],
    post: op('Issue a new key; the others expire after the grace period', { 201: json(ref('RotatedKey'), 'Issued; shown once'), ...errors(400) }, {
      requestBody: body({ type: 'object', properties: { graceSeconds: { type: 'integer', minimum: 0, description: 'Bounded by --key-max-grace; default 0.' } } }),
    }),
  },
  '/tenants/{tenantId}/keys/{keyId}': {
    parameters: [TENANT, pathParam('keyId', 'The public id part of the key.')],
    delete: op('Revoke one key at once', { 200: json(ref('Key'), 'The revoked key') }),
  },
  '/tenants/{tenantId}/users': {
    parameters: [TENANT],
    get: op('List platform users', { 200: json(obj({ users: arrayOf(ref('User')), next: nextCursor }), 'A page, by id') }, {
      parameters: [query('userName', 'Only this userName (case-insensitive).'), ...paging],
    }),
  },
  '/tenants/{tenantId}/users/{userId}': {
    parameters: [TENANT, USER],
    get: op('Read a user with its roles, permissions and history', { 200: json(ref('UserDetail'), 'The user') }),
    patch: op('Change platform-owned fields (suspension); identity-provider attributes are refused', { 200: json(ref('User'), 'The user'), ...errors(400, 409) }, {
      requestBody: body({ type: 'object', properties: { suspended: { type: 'boolean' } }, description: 'Any attribute the identity provider owns (userName, name, title …) is 409: `managed_by_idp` while the user is managed.' }),
    }),
  },
  '/tenants/{tenantId}/users/{userId}/suspend': { parameters: [TENANT, USER], post: op('Suspend a user (removes the managed mark)', { 200: json(ref('User'), 'The user') }) },
  '/tenants/{tenantId}/users/{userId}/unsuspend': { parameters: [TENANT, USER], post: op('Lift a suspension', { 200: json(ref('User'), 'The user') }) },
  '/tenants/{tenantId}/access/{userId}': { parameters: [TENANT, USER], get: op('The sign-in access check', { 200: json(ref('Access'), 'Allowed, with the permissions') }) },
  '/tenants/{tenantId}/roles': {
    parameters: [TENANT],
    get: op('List roles', { 200: json(obj({ roles: arrayOf(ref('Role')), next: nextCursor }), 'A page, by id') }, { parameters: paging }),
    post: op('Create a platform role', { 200: json(ref('Role'), 'The role'), ...errors(400, 409) }, { requestBody: body(obj({ name: str() })) }),
  },
  '/tenants/{tenantId}/roles/{roleId}': {
    parameters: [TENANT, ROLE],
    patch: op('Rename a platform role', { 200: json(ref('Role'), 'The role'), ...errors(400, 409) }, { requestBody: body(obj({ name: str() })) }),
  },
  '/tenants/{tenantId}/roles/{roleId}/members': {
    parameters: [TENANT, ROLE],
    get: op("A role's members", { 200: json(obj({ members: arrayOf(ref('Member')), next: nextCursor }), 'A page, by id') }, { parameters: paging }),
  },
  '/tenants/{tenantId}/roles/{roleId}/permissions': {
    parameters: [TENANT, ROLE],
    put: op("Replace a role's permissions", { 200: json(ref('Role'), 'The role'), ...errors(400) }, { requestBody: body(obj({ permissions: arrayOf(str()) })) }),
  },
  '/tenants/{tenantId}/audit': {
    parameters: [TENANT],
    get: op('Audit events, oldest first', { 200: json(obj({ events: arrayOf(ref('AuditEvent')), next: nextCursor }), 'A page'), ...errors(400) }, {
      parameters: [...auditFilters, query('limit', 'Page size (1–1000).', { type: 'integer', minimum: 1, maximum: 1000 }), query('cursor', 'The `next` of the previous page.')],
    }),
  },
  '/tenants/{tenantId}/audit/export': {
    parameters: [TENANT],
    get: op('Every matching audit event, streamed', {
      200: { description: 'NDJSON or CSV', content: { 'application/x-ndjson': {}, 'text/csv': {} } }, ...errors(400),
    }, { parameters: [...auditFilters, query('format', 'ndjson (default) or csv.', { type: 'string', enum: ['ndjson', 'csv'] })] }),
  },
  '/tenants/{tenantId}/health': { parameters: [TENANT], get: op('Sync health', { 200: json(ref('Health'), 'Requests and errors') }) },
  '/tenants/{tenantId}/events': {
    parameters: [TENANT],
    get: op("The tenant's events feed, by sequence (docs/events.md)", { 200: json(ref('EventPage'), 'A page'), ...errors(400, 410) }, { parameters: feedParams }),
  },
  '/tenants/{tenantId}/webhooks': {
    parameters: [TENANT],
    get: op('List webhook endpoints (no secrets)', { 200: json(obj({ webhooks: arrayOf(ref('Webhook')) }), 'The endpoints') }),
    post: op('Register a webhook endpoint', { 201: json(ref('CreatedWebhook'), 'Registered; the secret is shown once'), ...errors(400, 409) }, {
      requestBody: body(obj({ url: str('', { format: 'uri' }), events: arrayOf(str()) })),
    }),
  },
  '/tenants/{tenantId}/webhooks/{webhookId}': {
    parameters: [TENANT, WEBHOOK],
    get: op('Read a webhook endpoint', { 200: json(ref('Webhook'), 'The endpoint') }),
    patch: op('Change url, events or enabled (re-enabling clears the reason)', { 200: json(ref('Webhook'), 'The endpoint'), ...errors(400) }, {
      requestBody: body({ type: 'object', properties: { url: str(), events: arrayOf(str()), enabled: { type: 'boolean' } }, minProperties: 1 }),
    }),
    delete: op('Delete a webhook endpoint', { 204: { description: 'Deleted' } }),
  },
  '/tenants/{tenantId}/webhooks/{webhookId}/rotate-secret': {
    parameters: [TENANT, WEBHOOK],
    post: op('A new signing secret; the old one keeps signing during the overlap', {
      200: json(obj({ id: str(), secret: str('Shown once.'), previousSecretExpiresAt: time('End of the overlap.') }), 'The new secret'), ...errors(400),
    }, { requestBody: body({ type: 'object', properties: { overlapSeconds: { type: 'integer', minimum: 0, maximum: 604800 } } }) }),
  },
  '/tenants/{tenantId}/webhooks/{webhookId}/deliveries': {
    parameters: [TENANT, WEBHOOK],
    get: op('Delivery attempts, newest first', { 200: json(obj({ deliveries: arrayOf(ref('DeliveryAttempt')), next: { type: ['string', 'integer', 'null'] } }), 'A page'), ...errors(400) }, {
      parameters: [query('limit', 'Page size.', { type: 'integer', minimum: 1 }), query('before', 'The `next` of the previous page.')],
    }),
  },
  '/tenants/{tenantId}/webhooks/{webhookId}/replay': {
    parameters: [TENANT, WEBHOOK],
    post: op('Deliver an event or a range of events again', {
      200: json(obj({ id: str(), fromSequence: { type: 'integer' }, toSequence: { type: 'integer' }, queued: { type: 'integer' } }), 'Queued'), ...errors(400),
    }, { requestBody: body({ type: 'object', properties: { eventId: str(), fromSequence: { type: 'integer' }, toSequence: { type: 'integer' } } }) }),
  },
  '/events': {
    get: op('The events feed of every tenant, in commit order (docs/events.md)', { 200: json(ref('EventPage'), 'A page'), ...errors(400, 410) }, { parameters: feedParams }),
  },
};

/** The document, with the server URL this API is served at. */
export function openApiDocument(publicUrl: string): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Roster admin API',
      version: '1',
      description: 'Tenants, SCIM keys, users, roles and permissions, audit and sync health (docs/architecture.md, Admin API). Errors are `{ "error": { "code", "message" } }` with a stable code.',
    },
    servers: [{ url: `${publicUrl}/api/v1` }],
    security: [{ operatorToken: [] }],
    paths,
    components: {
      securitySchemes: { operatorToken: { type: 'http', scheme: 'bearer', description: 'An operator token (`roster admin-token create`); SCIM keys do not work here.' } },
      schemas,
      responses: Object.fromEntries([400, 401, 404, 405, 409, 410].map((c) => [`E${c}`, json(ref('Error'), `Error ${c}`)])),
    },
  };
}
