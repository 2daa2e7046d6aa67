/**
 * `google`: Google Workspace. Google provisions outbound only to apps in its own
 * catalog and publishes no request bodies for a generic SCIM client (no Google
 * document found; a third-party guide's claim that its wiring probe is
 * `GET /Users?count=1` is unverified). So: the shared tolerances only, RFC
 * elsewhere, like `generic`; deviations will be added here when they are documented.
 */
import type { SchemaRegistry } from '../scim/schema/types.ts';
import { FIRST, LAST } from './common.ts';
import { defineProfile } from './pipeline.ts';
import type { CompatProfile } from './profile.ts';

export function googleProfile(registry: SchemaRegistry): CompatProfile {
  return defineProfile({ idp: 'google', steps: [...FIRST, ...LAST], upsertOnNoMatch: false, tolerant: true }, registry);
}
