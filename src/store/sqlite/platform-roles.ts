/**
 * `PlatformRoles` over one SQLite connection: roles are the `resources` rows of
 * type Group, their grants the `role_permissions` rows of migration 9
 * (docs/storage.md "Roles and permissions").
 */
import type { StatementCache } from './connection.ts';
import type { Role } from '../../domain/role.ts';
import type { PlatformRoles, RolePage } from '../store.ts';

interface Row {
  id: string;
  name: string | null;
  n: number | null;
  platform: number;
  permissions: string;
}

const SELECT = `SELECT r.id, json_extract(r.data, '$.displayName') AS name, c.n,
    EXISTS (SELECT 1 FROM platform_roles pr WHERE pr.tenant_id = r.tenant_id AND pr.id = r.id) AS platform,
    (SELECT json_group_array(permission) FROM (SELECT permission FROM role_permissions p
      WHERE p.tenant_id = r.tenant_id AND p.role_id = r.id ORDER BY permission)) AS permissions
  FROM resources r LEFT JOIN member_counts c ON c.tenant_id = r.tenant_id AND c.group_id = r.id`;

const toRole = (r: Row): Role => ({
  id: r.id,
  name: r.name ?? '',
  managed: r.platform === 0,
  permissions: JSON.parse(r.permissions) as string[],
  memberCount: r.n ?? 0,
});

/** The role operations on one connection's statements. */
export class SqlitePlatformRoles implements PlatformRoles {
  readonly #stmts: StatementCache;

  constructor(stmts: StatementCache) {
    this.#stmts = stmts;
  }

  async get(tenantId: string, id: string): Promise<Role | undefined> {
    const r = this.#stmts.get(`${SELECT} WHERE r.tenant_id = ? AND r.id = ? AND r.type = 'Group'`).get(tenantId, id) as Row | undefined;
    return r === undefined ? undefined : toRole(r);
  }

  async list(tenantId: string, page: RolePage): Promise<Role[]> {
    const sql = `${SELECT} WHERE r.tenant_id = ? AND r.type = 'Group' AND r.id > ? ORDER BY r.id LIMIT ?`;
    return (this.#stmts.get(sql).all(tenantId, page.after ?? '', page.limit) as Row[]).map(toRole);
  }

  async setPermissions(tenantId: string, id: string, permissions: readonly string[]): Promise<void> {
    this.#stmts.get('DELETE FROM role_permissions WHERE tenant_id = ? AND role_id = ?').run(tenantId, id);
    const insert = this.#stmts.get('INSERT OR IGNORE INTO role_permissions (tenant_id, role_id, permission) VALUES (?, ?, ?)');
    for (const p of permissions) insert.run(tenantId, id, p);
  }

  async markPlatform(tenantId: string, id: string): Promise<void> {
    this.#stmts.get('INSERT OR IGNORE INTO platform_roles (tenant_id, id) VALUES (?, ?)').run(tenantId, id);
  }

  async isPlatform(tenantId: string, id: string): Promise<boolean> {
    return this.#stmts.get('SELECT 1 FROM platform_roles WHERE tenant_id = ? AND id = ?').get(tenantId, id) !== undefined;
  }

  async rolesOf(tenantId: string, userIds: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(userIds.map((id) => [id, []]));
    // Direct memberships only: a nested group gives its members nothing (docs/scim-api.md).
    const stmt = this.#stmts.get(`SELECT group_id FROM members WHERE tenant_id = ? AND member_id = ? AND member_type = 'User' ORDER BY group_id`);
    for (const id of userIds) out.set(id, (stmt.all(tenantId, id) as { group_id: string }[]).map((r) => r.group_id));
    return out;
  }

  async permissionsOf(tenantId: string, userId: string): Promise<string[]> {
    const sql = `SELECT DISTINCT p.permission FROM members m JOIN role_permissions p ON p.tenant_id = m.tenant_id AND p.role_id = m.group_id
      WHERE m.tenant_id = ? AND m.member_id = ? AND m.member_type = 'User' ORDER BY p.permission`;
    return (this.#stmts.get(sql).all(tenantId, userId) as { permission: string }[]).map((r) => r.permission);
  }
}
