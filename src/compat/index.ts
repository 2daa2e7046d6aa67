/**
 * Identity-provider compatibility profiles: one per provider, chosen by the
 * tenant's `idp`. See docs/identity-providers.md for what each one normalises.
 */
import { defaultRegistry } from '../scim/schema/registry.ts';
import type { SchemaRegistry } from '../scim/schema/types.ts';
import type { IdpName } from '../domain/tenant.ts';
import { entraProfile } from './entra.ts';
import { genericProfile } from './generic.ts';
import { googleProfile } from './google.ts';
import { jumpcloudProfile } from './jumpcloud.ts';
import { oktaProfile } from './okta.ts';
import { oneloginProfile } from './onelogin.ts';
import type { CompatProfile } from './profile.ts';

export type { CompatProfile, CompatResult } from './profile.ts';

const BUILDERS: Readonly<Record<IdpName, (registry: SchemaRegistry) => CompatProfile>> = {
  entra: entraProfile,
  okta: oktaProfile,
  jumpcloud: jumpcloudProfile,
  onelogin: oneloginProfile,
  google: googleProfile,
  generic: genericProfile,
};

const defaults = new Map<IdpName, CompatProfile>();

/**
 * The profile of a provider. With no registry, the default schemas (User with the
 * enterprise extension, Group) and a cached instance; pass the server's registry
 * when it has more extensions, so their booleans and multi-valued attributes count.
 * An unknown name (not in `IDPS`) gets the `generic` profile.
 */
export function profileFor(idp: IdpName, registry?: SchemaRegistry): CompatProfile {
  const name: IdpName = Object.hasOwn(BUILDERS, idp) ? idp : 'generic';
  const build = BUILDERS[name];
  if (registry !== undefined && registry !== defaultRegistry) return build(registry);
  let p = defaults.get(name);
  if (p === undefined) {
    p = build(defaultRegistry);
    defaults.set(name, p);
  }
  return p;
}
