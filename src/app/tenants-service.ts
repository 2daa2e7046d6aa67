/**
 * The tenants service: tenant administration (`src/tenants`) bound to a store
 * and the public base URL its SCIM base URLs are built from.
 */
import type { Config } from '../config.ts';
import type { Store } from '../store/store.ts';
import type { IdpName } from '../domain/tenant.ts';
import { createTenant, deleteTenant, listTenants, revokeKeys, rotateKey } from '../tenants/tenants.ts';
import type { CreatedTenant, RevokedKeys, RotatedKey, TenantSummary } from '../tenants/tenants.ts';

/** Tenant administration of one Roster. */
export interface TenantsService {
  create(input: { name: string; idp: IdpName }): Promise<CreatedTenant>;
  list(): Promise<TenantSummary[]>;
  rotateKey(tenantId: string, opts?: { graceMs?: number }): Promise<RotatedKey>;
  /** Every live key of the tenant stops working now; no new key is issued. */
  revokeKeys(tenantId: string): Promise<RevokedKeys>;
  delete(tenantId: string): Promise<void>;
}

/** Binds tenant administration to `store`; `publicUrl` is read at each call (it may follow the port). */
export function createTenantsService(store: Store, config: Config, publicUrl: () => string): TenantsService {
  const withUrl = (): Config => ({ ...config, publicUrl: publicUrl() });
  return {
    create: (input) => createTenant(store, input, withUrl()),
    list: () => listTenants(store, withUrl()),
    rotateKey: (tenantId, opts = {}) => rotateKey(store, tenantId, opts, withUrl()),
    revokeKeys: (tenantId) => revokeKeys(store, tenantId),
    delete: (tenantId) => deleteTenant(store, tenantId),
  };
}
