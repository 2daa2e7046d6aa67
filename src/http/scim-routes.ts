/**
 * The SCIM routes under a tenant's base URL (RFC 7644 §3.2). The transport has
 * already authenticated, resolved the tenant, limited and parsed the body; this
 * maps method + path to a use case and renders the result. Errors are thrown as
 * `ScimError` and rendered by the transport (RFC 7644 §3.12).
 */
import { methodNotAllowed, notFound, notImplemented, ScimError } from '../scim/errors.ts';
import { bulkRoute } from './scim-bulk.ts';
import { resourceTypesRoute, schemasRoute, serviceProviderConfigRoute } from './discovery.ts';
import { createEnv } from './scim-env.ts';
import { listRoute, rootSearchRoute } from './scim-list.ts';
import { searchParamsFromBody, searchParamsFromQuery } from './scim-params.ts';
import { createRoute, deleteRoute, getRoute, patchRoute, replaceRoute } from './scim-resources.ts';
import { profileFor } from '../compat/index.ts';
import { recordIgnored, recordRefusal } from './scim-env.ts';
import type { CompatProfile } from '../compat/profile.ts';
import type { ResourceSchema } from '../scim/schema/types.ts';
import type { IdpName } from '../domain/tenant.ts';
import type { ScimEnv, ScimHandlerDeps } from './scim-env.ts';
import type { ScimHandler, ScimRequest, ScimResponse } from './types.ts';

export { DEFAULT_SCIM_LIMITS } from './scim-env.ts';
export type { ScimHandlerDeps, ScimLimits } from './scim-env.ts';

/** 405 with the methods the resource does allow (RFC 9110 §15.5.6). */
class MethodNotAllowed extends ScimError {
  readonly allow: string;
  constructor(allow: string, method: string) {
    super(405, methodNotAllowed(`Method ${method.slice(0, 16)} is not allowed here; allowed: ${allow}`).detail);
    this.allow = allow;
  }
}

const only = (req: ScimRequest, allow: string): void => {
  if (!allow.split(', ').includes(req.method)) throw new MethodNotAllowed(allow, req.method);
};

function resourceSchemaFor(env: ScimEnv, segment: string): ResourceSchema | undefined {
  const endpoint = `/${segment}`.toLowerCase();
  const rt = env.registry.resourceTypes().find((t) => t.endpoint.toLowerCase() === endpoint);
  return rt === undefined ? undefined : env.registry.resourceSchema(rt.name);
}

async function resourceRoutes(env: ScimEnv, req: ScimRequest, rs: ResourceSchema, rest: readonly string[]): Promise<ScimResponse> {
  if (rest.length === 0) {
    only(req, 'GET, POST');
    return req.method === 'GET' ? listRoute(env, req, rs, searchParamsFromQuery(req.query)) : createRoute(env, req, rs);
  }
  const [id] = rest;
  if (rest.length > 1 || id === undefined || id === '') throw notFound('No such endpoint');
  if (id === '.search') {
    // RFC 7644 §3.4.3: POST to `.search` under a resource type endpoint.
    only(req, 'POST');
    return listRoute(env, req, rs, searchParamsFromBody(req.body));
  }
  only(req, 'GET, PUT, PATCH, DELETE');
  switch (req.method) {
    case 'GET':
      return getRoute(env, req, rs, id);
    case 'PUT':
      return replaceRoute(env, req, rs, id);
    case 'PATCH':
      return patchRoute(env, req, rs, id);
    default:
      return deleteRoute(env, req, rs, id);
  }
}

async function route(env: ScimEnv, req: ScimRequest): Promise<ScimResponse> {
  const [first, ...rest] = req.segments;
  if (first === undefined || first === '') throw notFound('No such endpoint');
  const rs = resourceSchemaFor(env, first);
  if (rs !== undefined) return resourceRoutes(env, req, rs, rest);
  const name = first.toLowerCase();
  const sub = rest[0];
  if (rest.length > 1) throw notFound('No such endpoint');
  switch (name) {
    case '.search':
      if (rest.length > 0) throw notFound('No such endpoint');
      only(req, 'POST');
      return rootSearchRoute(env, req, searchParamsFromBody(req.body));
    case 'serviceproviderconfig':
      if (rest.length > 0) throw notFound('No such endpoint');
      only(req, 'GET');
      return serviceProviderConfigRoute(env, req);
    case 'schemas':
      only(req, 'GET');
      return schemasRoute(env, req, sub);
    case 'resourcetypes':
      only(req, 'GET');
      return resourceTypesRoute(env, req, sub);
    case 'bulk':
      if (rest.length > 0) throw notFound('No such endpoint');
      only(req, 'POST');
      return bulkRoute(env, req);
    case 'me':
      // RFC 7644 §3.11: a server without an authenticated subject alias answers 501.
      throw notImplemented('/Me is not supported: the bearer token identifies a tenant, not a user');
    default:
      throw notFound('No such endpoint');
  }
}

/**
 * Creates the SCIM handler. `deps.limits` members left out take `DEFAULT_SCIM_LIMITS`.
 * Each request first passes through its tenant's identity-provider profile
 * (`src/compat`), which normalises that provider's documented deviations so the
 * protocol core can stay strict; the normalisations that fired go to the log line.
 */
export function createScimHandler(deps: ScimHandlerDeps): ScimHandler {
  const env = createEnv(deps);
  const profiles = new Map<IdpName, CompatProfile>();
  const profile = (idp: IdpName): CompatProfile => {
    let p = profiles.get(idp);
    if (p === undefined) profiles.set(idp, (p = profileFor(idp, deps.registry)));
    return p;
  };
  return async (incoming) => {
    const { request, applied, ignored, tolerant, patchOptions } = profile(incoming.tenant.idp).normalise(incoming);
    if (applied.length > 0 && incoming.logFields !== undefined) incoming.logFields.compat = applied;
    // The profile's result with its compat data on top: a prototype link, not a copy,
    // so the transport's lazy `log` getter stays lazy and nothing is copied per request.
    const req = Object.create(request, {
      compat: { value: { applied, upsertOnNoMatch: patchOptions.upsertOnNoMatch, tolerant, ignored: [...ignored] }, enumerable: true },
    }) as ScimRequest;
    try {
      return await route(env, req);
    } catch (e) {
      if (e instanceof MethodNotAllowed) return { status: 405, headers: { Allow: e.allow }, body: e.toJSON() };
      await recordRefusal(env, req, e);
      throw e;
    } finally {
      await recordIgnored(env, req);
    }
  };
}
