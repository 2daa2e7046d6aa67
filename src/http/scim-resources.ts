/**
 * `/Users` and `/Groups` by id and create (RFC 7644 §3.3, §3.4.1, §3.5, §3.6),
 * with ETags and conditional requests (§3.14).
 */
import { createResource, deleteResource, getResource, patchResource, replaceResource } from '../directory/resources.ts';
import { etagMatches } from '../directory/etag.ts';
import { etagOf, locationOf, renderResource } from '../directory/render.ts';
import { projectResource } from '../scim/schema/project.ts';
import { answersNoContent, contextFor } from './scim-env.ts';
import { groupGetResponse } from './scim-group-stream.ts';
import { projectionFromQuery, readOptionsFor } from './scim-params.ts';
import type { LoadedResource } from '../store/store.ts';
import type { ResourceSchema } from '../scim/schema/types.ts';
import type { Projection } from './scim-params.ts';
import type { ScimEnv } from './scim-env.ts';
import type { ScimRequest, ScimResponse } from './types.ts';

/** A resource as a response: projected body, `ETag` = `meta.version` (RFC 7644 §3.14). */
export function resourceResponse(
  status: number, rs: ResourceSchema, r: LoadedResource, req: ScimRequest, p: Projection, location = false,
): ScimResponse {
  const body = projectResource(rs, renderResource(rs, r, req.baseUrl), p);
  const uri = locationOf(req.baseUrl, rs, r.id);
  // RFC 7643 §3.1: `meta.location` "MUST be the same as the Content-Location HTTP response header".
  const headers: Record<string, string> = { ETag: etagOf(r.version), 'Content-Location': uri };
  // RFC 7644 §3.3: 201 carries the resource URI in `Location`.
  if (location) headers['Location'] = uri;
  return { status, headers, body };
}

const ifMatch = (req: ScimRequest): string | undefined => req.headers['if-match'];

export async function createRoute(env: ScimEnv, req: ScimRequest, rs: ResourceSchema): Promise<ScimResponse> {
  const p = projectionFromQuery(req.query);
  const r = await createResource(contextFor(env, req), rs.resourceType.name, req.body, readOptionsFor(rs, p));
  return resourceResponse(201, rs, r, req, p, true);
}

export async function getRoute(env: ScimEnv, req: ScimRequest, rs: ResourceSchema, id: string): Promise<ScimResponse> {
  const p = projectionFromQuery(req.query);
  const read = readOptionsFor(rs, p);
  // A group with its members: read and written page by page (a group may have 1,000,000).
  if (read.withMembers) return groupGetResponse(env, req, rs, id, p, { conditional: true });
  const r = await getResource(contextFor(env, req), rs.resourceType.name, id, read);
  const inm = req.headers['if-none-match'];
  // RFC 7644 §3.14 / RFC 9110 §13.1.2: unchanged → 304 without a body.
  if (inm !== undefined && etagMatches(inm, r.version)) return { status: 304, headers: { ETag: etagOf(r.version) } };
  return resourceResponse(200, rs, r, req, p);
}

const NO_RELATIONS = { withMembers: false, withGroups: false } as const;

export async function replaceRoute(env: ScimEnv, req: ScimRequest, rs: ResourceSchema, id: string): Promise<ScimResponse> {
  const p = projectionFromQuery(req.query);
  const read = readOptionsFor(rs, p);
  // A PUT that keeps a large group's members answers with all of them: streamed, as a GET.
  const r = await replaceResource(contextFor(env, req), rs.resourceType.name, id, req.body, ifMatch(req), read.withMembers ? NO_RELATIONS : read);
  if (read.withMembers) return groupGetResponse(env, req, rs, id, p, { conditional: false });
  return resourceResponse(200, rs, r, req, p);
}

/**
 * RFC 7644 §3.5.2: a PATCH answers 200 with the resource or 204 No Content.
 * - Users: 200 with the resource (Okta reads it back).
 * - Groups: 204 with the new `ETag` (Entra expects 204: Microsoft's SCIM tutorial
 *   answers its group PATCH examples so; Okta accepts it), so adding one member never renders the whole member list;
 *   with `attributes` / `excludedAttributes` (RFC 7644 §3.9) a 200 with the projected
 *   resource, whose member rows are read only if the projection returns them.
 */
export async function patchRoute(env: ScimEnv, req: ScimRequest, rs: ResourceSchema, id: string): Promise<ScimResponse> {
  const p = projectionFromQuery(req.query);
  const noBody = answersNoContent(req);
  const read = noBody ? NO_RELATIONS : readOptionsFor(rs, p);
  const r = await patchResource(contextFor(env, req), rs.resourceType.name, id, req.body, ifMatch(req), read.withMembers ? NO_RELATIONS : read);
  if (noBody) return { status: 204, headers: { ETag: etagOf(r.version) } };
  if (read.withMembers) return groupGetResponse(env, req, rs, id, p, { conditional: false });
  return resourceResponse(200, rs, r, req, p);
}

export async function deleteRoute(env: ScimEnv, req: ScimRequest, rs: ResourceSchema, id: string): Promise<ScimResponse> {
  await deleteResource(contextFor(env, req), rs.resourceType.name, id, ifMatch(req));
  return { status: 204 };
}
