/**
 * `generic`: any SCIM 2.0 client. Only the shared tolerances (common.ts); everything
 * else is RFC 7643/7644 as written, and the strict core answers deviations with a
 * 4xx SCIM error. Where a provider's meaning conflicts with the RFC, `generic`
 * follows the RFC — except that the safer reading wins everywhere: a `remove` on
 * `members` with a value list removes only those members (the PATCH core).
 */
import type { SchemaRegistry } from '../scim/schema/types.ts';
import { FIRST, LAST } from './common.ts';
import { defineProfile } from './pipeline.ts';
import type { CompatProfile } from './profile.ts';

export function genericProfile(registry: SchemaRegistry): CompatProfile {
  return defineProfile({ idp: 'generic', steps: [...FIRST, ...LAST], upsertOnNoMatch: false, tolerant: false }, registry);
}
