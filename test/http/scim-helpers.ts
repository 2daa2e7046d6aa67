/** Shared fixtures for the SCIM route tests (test/http/scim-*.test.ts). */
import { scim, startTestServer } from '../helpers/server.ts';
import { createOperatorToken } from '../../src/app/operator-tokens.ts';
import type { ScimCall, TestServer } from '../helpers/server.ts';
import type { Store } from '../../src/store/store.ts';
import type { IdpName } from '../../src/domain/tenant.ts';

export const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
export const BULK_REQ = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

export interface Client {
  readonly call: ScimCall;
  readonly tenantId: string;
  readonly baseUrl: string;
}

export async function tenant(srv: TestServer, idp: IdpName = 'generic'): Promise<Client> {
  const t = await srv.createTenant(undefined, idp);
  return { call: scim(t.baseUrl, t.apiKey), tenantId: t.tenant.id, baseUrl: t.baseUrl };
}

export { startTestServer };
export type { TestServer };

export const user = (userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  schemas: [USER],
  userName,
  ...extra,
});

export const group = (displayName: string, members: unknown[] = [], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  schemas: [GROUP],
  displayName,
  members,
  ...extra,
});

export const patch = (...Operations: unknown[]): Record<string, unknown> => ({ schemas: [PATCH_OP], Operations });

export const q = (s: string): string => encodeURIComponent(s);

/** Creates a user and returns its id (asserting 201). */
export async function createUser(c: Client, userName: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await c.call('POST', '/Users', user(userName, extra));
  if (r.status !== 201) throw new Error(`create user ${userName}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.id as string;
}

export async function createGroup(c: Client, displayName: string, memberIds: string[] = []): Promise<string> {
  const r = await c.call('POST', '/Groups', group(displayName, memberIds.map((value) => ({ value }))));
  if (r.status !== 201) throw new Error(`create group ${displayName}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.id as string;
}

/** Everything a tenant has in the store, as one comparable string. */
export async function dump(store: Store, tenantId: string): Promise<string> {
  const users = await store.query(tenantId, 'User', { startIndex: 1, count: 1_000_000, withMembers: false });
  const groups = await store.query(tenantId, 'Group', { startIndex: 1, count: 1_000_000, withMembers: true });
  return JSON.stringify({ users: users.resources, groups: groups.resources });
}

/** A client of the admin API (`/api/v1`) with a fresh operator token of the server's store. */
export async function adminClient(srv: TestServer): Promise<ScimCall> {
  return scim(`${srv.url}/api/v1`, (await createOperatorToken(srv.store)).token);
}
