// Route templates for metrics labels (docs/metrics.md): bounded, no tenant, no id, canonical endpoint case.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { matchRoute } from './route.ts';
import { scimRouteTemplate } from './route-template.ts';

const TEMPLATES = new Set(['unmatched']);
for (const e of ['Users', 'Groups', 'Schemas', 'ServiceProviderConfig', 'ResourceTypes', 'Bulk', 'Me', '.search']) {
  for (const t of [`/${e}`, `/${e}/{id}`, `/${e}/.search`]) TEMPLATES.add(t);
}

test('templates name the endpoint, never the tenant or an id', () => {
  const t = (p: string): string => scimRouteTemplate(matchRoute(p));
  assert.equal(t('/scim/v2/Users'), '/Users');
  assert.equal(t('/scim/v2/abcdefghij0123456789/users/42'), '/Users/{id}');
  assert.equal(t('/scim/v2/Groups/.search'), '/Groups/.search');
  assert.equal(t('/scim/v2/t1/Bulk'), '/Bulk');
  assert.equal(t('/scim/v2/t1/Users/42/extra'), 'unmatched');
  assert.equal(t('/scim/v2/t1/Nope'), 'unmatched');
  assert.equal(t('/elsewhere'), 'unmatched');
});

test('whatever the path, the template is one of a fixed set', () => {
  fc.assert(fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom('Users', 'groups', '.search', 'Bulk')), { maxLength: 5 }), (segs) => {
    const tpl = scimRouteTemplate(matchRoute(`/scim/v2/${segs.map(encodeURIComponent).join('/')}`));
    assert.ok(TEMPLATES.has(tpl), tpl);
  }));
});
