// Property tests: every profile accepts ANY JSON without throwing, never mutates its
// input, and never falls back to `compat.skipped` (which would mean a step crashed).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { IDPS } from '../domain/tenant.ts';
import { profileFor } from './index.ts';
import { SKIPPED } from './pipeline.ts';
import { request } from './requests.test-support.ts';

const names = fc.constantFrom(
  'userName', 'active', 'emails', 'primary', 'manager', 'members', 'value', 'schemas', 'id', 'password', 'name.givenName',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0User',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager', 'urn:scim:schemas:extension:enterprise:2.0',
  'op', 'path', 'Operations', 'data', 'method', '__proto__', 'constructor', 'toString',
);
const leaf = fc.oneof(fc.string(), fc.constantFrom('True', 'false', '', 'Replace', 'members', 'emails[type eq "work"].value', 'manager'), fc.boolean(), fc.integer(), fc.constant(null));
const { json } = fc.letrec((tie) => ({
  json: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('json'), { maxLength: 4 }), fc.dictionary(fc.oneof(names, fc.string()), tie('json'), { maxKeys: 5 })),
}));
const opShape = fc.record({ op: fc.oneof(fc.constantFrom('Add', 'replace', 'Remove'), json), path: fc.oneof(names, fc.string(), json), value: json }, { requiredKeys: [] });
const patchBody = fc.record({ schemas: json, Operations: fc.array(opShape, { maxLength: 4 }) });
const bulkOp = fc.record({
  method: fc.constantFrom('POST', 'PUT', 'PATCH', 'patch', 'DELETE'),
  path: fc.constantFrom('/Users', '/Users/u1', 'Groups/g1', '/Groups', '/Bulk', ''),
  data: fc.oneof(json, patchBody),
});
const body = fc.oneof(json, patchBody, fc.record({ schemas: json, Operations: fc.array(bulkOp, { maxLength: 4 }) }));
const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE');
const path = fc.constantFrom('/Users', '/Users/u1', '/Groups', '/Groups/g1', '/Bulk', '/.search', '/Users/.search', '/Schemas', '/Users?filter=externalId eq x', '/Groups?filter=(');

describe('every profile is total over JSON', () => {
  for (const idp of IDPS) {
    it(idp, () => {
      fc.assert(
        fc.property(method, path, body, (m, p, b) => {
          // Bodies come from JSON.parse, so __proto__ is an own key as in real requests.
          const parsed: unknown = b === undefined ? undefined : JSON.parse(JSON.stringify(b));
          const req = request({ method: m, path: p, body: parsed, idp });
          const snapshot = JSON.stringify(req.body);
          const out = profileFor(idp).normalise(req);
          assert.ok(!out.applied.includes(SKIPPED), `a step crashed: ${snapshot}`);
          assert.equal(JSON.stringify(req.body), snapshot);
          assert.equal(Object.getPrototypeOf(out.request.body ?? {}), Object.getPrototypeOf(parsed ?? {}));
        }),
        { numRuns: 400 },
      );
    });
  }
});
