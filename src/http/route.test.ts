import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchRoute } from './route.ts';

const cases: [string, unknown][] = [
  ['/healthz', { kind: 'notFound' }],
  ['/', { kind: 'notFound' }],
  ['/scim/v2', { kind: 'notFound' }],
  ['/scim/v2x/Users', { kind: 'notFound' }],
  ['/scim/v2/Users', { kind: 'scim', tenantId: undefined, segments: ['Users'], basePath: '/scim/v2' }],
  ['/scim/v2/users/abc/', { kind: 'scim', tenantId: undefined, segments: ['users', 'abc'], basePath: '/scim/v2' }],
  ['/scim/v2/.search', { kind: 'scim', tenantId: undefined, segments: ['.search'], basePath: '/scim/v2' }],
  ['/scim/v2/ServiceProviderConfig', { kind: 'scim', tenantId: undefined, segments: ['ServiceProviderConfig'], basePath: '/scim/v2' }],
  ['/scim/v2/abc123/Users/x%20y', { kind: 'scim', tenantId: 'abc123', segments: ['Users', 'x y'], basePath: '/scim/v2/abc123' }],
  ['/scim/v2/abc123', { kind: 'notFound' }],
  ['/scim/v2/abc/Users/%E0%A4%A', { kind: 'badPath' }],
];
for (const [path, expected] of cases) {
  test(`matchRoute ${path}`, () => assert.deepEqual(matchRoute(path), expected));
}
