/**
 * Discovery endpoints (RFC 7644 §4), GENERATED from the schema registry and the
 * limits actually enforced, so what is advertised is what the server does:
 * `/ServiceProviderConfig` (RFC 7643 §5, RFC 9865 `pagination`), `/Schemas` and
 * `/ResourceTypes` (ListResponses, RFC 7643 §6–§7), and one schema / resource type by id.
 */
import { forbidden, notFound } from '../scim/errors.ts';
import { listResponse } from '../scim/messages.ts';
import type { AttributeDefinition, ResourceTypeDefinition, SchemaDefinition } from '../scim/schema/types.ts';
import { MAX_ATTRIBUTE_NAMES } from '../scim/schema/project.ts';
import type { ScimEnv, ScimLimits } from './scim-env.ts';
import type { ScimRequest, ScimResponse } from './types.ts';

const SPC_URN = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:Schema';
const RESOURCE_TYPE_URN = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';

/**
 * Roster's extension of the ServiceProviderConfig: limits RFC 7643 §5 has no field
 * for, one key each (docs/scim-api.md). An extension block keyed by its URN and
 * listed in `schemas` (RFC 7643 §3), so clients that do not know it ignore it.
 */
export const ROSTER_SPC_URN = 'urn:ietf:params:scim:schemas:extension:roster:2.0:ServiceProviderConfig';

/** The limits RFC 7643 §5 has no field for (docs/scim-api.md "Limits advertised in ServiceProviderConfig"). */
export function rosterLimits(l: ScimLimits): Record<string, number> {
  return {
    // Most values of one multi-valued attribute (Group members aside); more is 400 invalidValue.
    maxMultiValued: l.maxMultiValued,
    // Most members of one group; more is 400 invalidValue.
    maxGroupMembers: l.maxGroupMembers,
    // List responses carry members/groups only for resources with at most this many.
    listMaxMembers: l.listMaxMembers,
    // Most operations of one PATCH request; more is 400 tooMany.
    maxPatchOperations: l.maxOperations,
    // Longest filter and deepest nesting; past either is 400 invalidFilter.
    filterMaxLength: l.filterMaxLength,
    filterMaxDepth: l.filterMaxDepth,
    // Most names in attributes / excludedAttributes; more is 400 invalidValue.
    maxAttributeNames: MAX_ATTRIBUTE_NAMES,
  };
}

/** RFC 7643 §5 plus RFC 9865 §4 `pagination` plus Roster's limits (`ROSTER_SPC_URN`). */
export function serviceProviderConfig(env: ScimEnv, baseUrl: string): Record<string, unknown> {
  const l = env.limits;
  return {
    schemas: [SPC_URN, ROSTER_SPC_URN],
    patch: { supported: true },
    bulk: { supported: true, maxOperations: l.bulkMaxOperations, maxPayloadSize: l.bulkMaxPayloadSize },
    filter: { supported: true, maxResults: l.maxResults },
    // Roster is not a login system: passwords are never stored (docs/scim-api.md).
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'A per-tenant API key sent as "Authorization: Bearer <key>" (RFC 6750).',
        specUri: 'https://www.rfc-editor.org/info/rfc6750',
        primary: true,
      },
    ],
    pagination: {
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: l.defaultCount,
      maxPageSize: l.maxResults,
      cursorTimeout: l.cursorTimeoutSeconds,
    },
    [ROSTER_SPC_URN]: rosterLimits(l),
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

/** RFC 7643 §7: attribute characteristics in camelCase, no nulls. */
function renderAttribute(a: AttributeDefinition): Record<string, unknown> {
  return {
    name: a.name,
    type: a.type,
    multiValued: a.multiValued,
    description: a.description,
    required: a.required,
    caseExact: a.caseExact,
    mutability: a.mutability,
    returned: a.returned,
    uniqueness: a.uniqueness,
    ...(a.canonicalValues !== undefined && a.canonicalValues.length > 0 ? { canonicalValues: [...a.canonicalValues] } : {}),
    ...(a.referenceTypes !== undefined && a.referenceTypes.length > 0 ? { referenceTypes: [...a.referenceTypes] } : {}),
    ...(a.subAttributes !== undefined ? { subAttributes: a.subAttributes.map(renderAttribute) } : {}),
  };
}

export function renderSchema(s: SchemaDefinition, baseUrl: string): Record<string, unknown> {
  return {
    schemas: [SCHEMA_URN],
    id: s.id,
    name: s.name,
    description: s.description,
    attributes: s.attributes.map(renderAttribute),
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${s.id}` },
  };
}

export function renderResourceType(rt: ResourceTypeDefinition, baseUrl: string): Record<string, unknown> {
  return {
    schemas: [RESOURCE_TYPE_URN],
    id: rt.id,
    name: rt.name,
    endpoint: rt.endpoint,
    description: rt.description,
    schema: rt.schema,
    schemaExtensions: rt.schemaExtensions.map((e) => ({ schema: e.schema, required: e.required })),
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${rt.name}` },
  };
}

const list = (items: unknown[]): ScimResponse => ({ status: 200, body: listResponse(items, { totalResults: items.length, startIndex: 1 }) });

function refuseFilter(req: ScimRequest): void {
  // RFC 7644 §4: filtering on these endpoints is not supported → 403 (docs/reliability.md AU-12).
  for (const k of req.query.keys()) if (k.toLowerCase() === 'filter') throw forbidden('Filtering is not supported on this endpoint (RFC 7644 §4)');
}

/** `GET /ServiceProviderConfig`. */
export function serviceProviderConfigRoute(env: ScimEnv, req: ScimRequest): ScimResponse {
  refuseFilter(req);
  return { status: 200, body: serviceProviderConfig(env, req.baseUrl) };
}

/** `GET /Schemas` and `GET /Schemas/{urn}` (URN compared case-insensitively). */
export function schemasRoute(env: ScimEnv, req: ScimRequest, id: string | undefined): ScimResponse {
  refuseFilter(req);
  const all = env.registry.schemas();
  if (id === undefined) return list(all.map((s) => renderSchema(s, req.baseUrl)));
  const s = all.find((x) => x.id.toLowerCase() === id.toLowerCase());
  if (s === undefined) throw notFound('No such schema');
  return { status: 200, body: renderSchema(s, req.baseUrl) };
}

/** `GET /ResourceTypes` and `GET /ResourceTypes/{name}`. */
export function resourceTypesRoute(env: ScimEnv, req: ScimRequest, name: string | undefined): ScimResponse {
  refuseFilter(req);
  const all = env.registry.resourceTypes();
  if (name === undefined) return list(all.map((rt) => renderResourceType(rt, req.baseUrl)));
  const rt = all.find((x) => x.name.toLowerCase() === name.toLowerCase() || x.id.toLowerCase() === name.toLowerCase());
  if (rt === undefined) throw notFound('No such resource type');
  return { status: 200, body: renderResourceType(rt, req.baseUrl) };
}
