/**
 * The admin API's OpenAPI 3.1 document (`GET /api/v1/openapi.json`, docs/architecture.md
 * Admin API): valid against the OpenAPI 3.1 schema (checked by the
 * `@seriousme/openapi-schema-validator` package), its paths and methods exactly the
 * mount's route table, every documented operation served by a handler, and the JSON
 * answers of the read routes shaped as their documented schemas say.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { ADMIN_ERRORS } from '../../src/http/admin-errors.ts';
import { ADMIN_ROUTES } from '../../src/http/admin-routes.ts';
import { scim } from '../helpers/server.ts';
import type { ScimCall } from '../helpers/server.ts';
import { adminClient, createGroup, createUser, startTestServer } from './scim-helpers.ts';
import type { TestServer } from './scim-helpers.ts';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

let srv: TestServer;
let admin: ScimCall;
let doc: Json;
before(async () => {
  srv = await startTestServer({ config: { webhooksAllowPrivateNetworks: true } });
  admin = await adminClient(srv);
  const r = await fetch(`${srv.url}/api/v1/openapi.json`);
  assert.equal(r.status, 200);
  doc = await r.json();
});
after(() => srv.close());

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

/** Resolves a local `$ref`. */
function deref(schema: Json): Json {
  if (schema?.$ref === undefined) return schema;
  return (schema.$ref as string).slice(2).split('/').reduce((o: Json, k: string) => o[k], doc);
}

/** Where `value` does not conform to `schema` (the subset of JSON Schema the document uses). */
function mismatches(value: unknown, schema: Json, at = '$'): string[] {
  const s = deref(schema);
  if (s === undefined || Object.keys(s).length === 0) return [];
  const out: string[] = [];
  for (const part of s.allOf ?? []) out.push(...mismatches(value, part, at));
  if (s.type !== undefined) {
    const types: string[] = Array.isArray(s.type) ? s.type : [s.type];
    const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
    if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) return [...out, `${at}: ${actual} is not ${types.join('|')}`];
  }
  if (s.enum !== undefined && !s.enum.includes(value)) out.push(`${at}: ${JSON.stringify(value)} not in enum`);
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const r of s.required ?? []) if (!(r in value)) out.push(`${at}: missing ${r}`);
    for (const [k, v] of Object.entries(value)) if (s.properties?.[k] !== undefined) out.push(...mismatches(v, s.properties[k], `${at}.${k}`));
  }
  if (Array.isArray(value) && s.items !== undefined) value.forEach((v, i) => out.push(...mismatches(v, s.items, `${at}[${i}]`)));
  return out;
}

describe('the OpenAPI document', () => {
  it('is served without a token and is a valid OpenAPI 3.1 document', async () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.servers[0].url, `${srv.url}/api/v1`);
    const res = await new Validator().validate(doc);
    assert.equal(res.valid, true, JSON.stringify(res.errors, null, 1)?.slice(0, 2000));
  });

  it('documents exactly the routes the mount serves, with their methods', () => {
    const documented = Object.entries(doc.paths as Record<string, Json>)
      .flatMap(([p, item]) => Object.keys(item).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    const routed = ADMIN_ROUTES.flatMap((r) => r.methods.map((m) => `${m} ${r.path}`)).sort();
    assert.deepEqual(documented, routed);
  });

  it('every documented error code is in the catalogue, and every operation is answered by a handler', async () => {
    assert.deepEqual(doc.components.schemas.Error.properties.error.properties.code.enum, Object.keys(ADMIN_ERRORS));
    const t = await srv.createTenant(undefined, 'okta');
    const spare = await srv.createTenant(undefined, 'okta');
    for (const route of ADMIN_ROUTES) {
      for (const method of route.methods) {
        // Destructive routes run on a spare tenant; ids that do not exist are fine (a handler's 404 names what is missing).
        const tenantId = method === 'DELETE' ? spare.tenant.id : t.tenant.id;
        const path = route.path.replace('{tenantId}', tenantId).replace(/\{\w+\}/g, 'nosuchid');
        const r = await admin(method, path, method === 'GET' || method === 'DELETE' ? undefined : {});
        assert.notEqual(r.status, 405, `${method} ${route.path}`);
        assert.ok(!(r.status === 404 && r.body?.error?.message === ADMIN_ERRORS.not_found.message), `${method} ${route.path} has no handler`);
        assert.ok(r.status < 500, `${method} ${route.path}: ${r.status}`);
      }
    }
  });

  it('the answers of the read routes match their documented schemas', async () => {
    const t = await srv.createTenant(undefined, 'okta');
    const c = scim(t.baseUrl, t.apiKey);
    const amy = await createUser({ call: c, tenantId: t.tenant.id, baseUrl: t.baseUrl }, 'amy', { externalId: 'e-amy' });
    const role = await createGroup({ call: c, tenantId: t.tenant.id, baseUrl: t.baseUrl }, 'Eng', [amy]);
    await c('GET', '/Users?filter=bad');
    const hook = await admin('POST', `/tenants/${t.tenant.id}/webhooks`, { url: 'http://127.0.0.1:9/hook', events: ['user.created'] });
    assert.equal(hook.status, 201, JSON.stringify(hook.body));
    assert.deepEqual(mismatches(hook.body, doc.paths['/tenants/{tenantId}/webhooks'].post.responses['201'].content['application/json'].schema), []);
    const ids: Record<string, string> = { tenantId: t.tenant.id, userId: amy, roleId: role, webhookId: hook.body.id };
    let checked = 0;
    for (const route of ADMIN_ROUTES) {
      const op = doc.paths[route.path].get;
      if (op === undefined || route.path.endsWith('/export') || route.public === true) continue;
      const r = await admin('GET', route.path.replace(/\{(\w+)\}/g, (_, k: string) => ids[k]!));
      assert.equal(r.status, 200, `${route.path}: ${JSON.stringify(r.body)}`);
      const schema = op.responses['200'].content['application/json'].schema;
      assert.deepEqual(mismatches(r.body, schema), [], route.path);
      checked++;
    }
    assert.ok(checked >= 10, `checked ${checked} read routes`);
    const k = await admin('POST', `/tenants/${t.tenant.id}/keys`, {});
    assert.deepEqual(mismatches(k.body, doc.paths['/tenants/{tenantId}/keys'].post.responses['201'].content['application/json'].schema), []);
    const bad = await admin('GET', '/tenants/nosuchtenant');
    assert.deepEqual(mismatches(bad.body, doc.components.schemas.Error), []);
  });

  it('the schema check itself finds a mismatch', () => {
    assert.ok(mismatches({ id: 1 }, doc.components.schemas.Role).length > 0);
    assert.ok(mismatches({ users: [{ id: 'x' }], next: null }, doc.paths['/tenants/{tenantId}/users'].get.responses['200'].content['application/json'].schema).length > 0);
  });
});
