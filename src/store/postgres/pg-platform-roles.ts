/**
 * `PlatformRoles` over PostgreSQL: roles are the `resources` rows of type Group, their
 * grants the `role_permissions` rows of migration 9 (docs/storage.md "Roles and permissions").
 */
import type { Role } from '../../domain/role.ts';
import type { ScimResource } from '../../scim/schema/types.ts';
import type { PlatformRoles, RolePage } from '../store.ts';
import type { Sql } from './pg-sql.ts';

interface Row {
  id: string;
  data: string;
  n: number | null;
  platform: boolean;
  permissions: string[];
}

const SELECT = `SELECT r.id, r.data, c.n,
    EXISTS (SELECT 1 FROM platform_roles pr WHERE pr.tenant_id = r.tenant_id AND pr.id = r.id) AS platform,
    ARRAY(SELECT permission FROM role_permissions p WHERE p.tenant_id = r.tenant_id AND p.role_id = r.id ORDER BY permission) AS permissions
  FROM resources r LEFT JOIN member_counts c ON c.tenant_id = r.tenant_id AND c.group_id = r.id`;

const toRole = (r: Row): Role => {
  const name = (JSON.parse(r.data) as ScimResource)['displayName'];
  return { id: r.id, name: typeof name === 'string' ? name : '', managed: !r.platform, permissions: r.permissions, memberCount: Number(r.n ?? 0) };
};

/** The role operations on one `Sql`. */
export class PgPlatformRoles implements PlatformRoles {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async get(tenantId: string, id: string): Promise<Role | undefined> {
    const [r] = await this.#sql.rows<Row>(`${SELECT} WHERE r.tenant_id = $1 AND r.id = $2 AND r.type = 'Group'`, [tenantId, id]);
    return r === undefined ? undefined : toRole(r);
  }

  async list(tenantId: string, page: RolePage): Promise<Role[]> {
    const rows = await this.#sql.rows<Row>(`${SELECT} WHERE r.tenant_id = $1 AND r.type = 'Group' AND r.id > $2 ORDER BY r.id LIMIT $3`, [tenantId, page.after ?? '', page.limit]);
    return rows.map(toRole);
  }

  async setPermissions(tenantId: string, id: string, permissions: readonly string[]): Promise<void> {
    await this.#sql.count('DELETE FROM role_permissions WHERE tenant_id = $1 AND role_id = $2', [tenantId, id]);
    if (permissions.length === 0) return;
    await this.#sql.count(
      'INSERT INTO role_permissions (tenant_id, role_id, permission) SELECT $1, $2, p FROM unnest($3::text[]) AS p ON CONFLICT DO NOTHING',
      [tenantId, id, permissions],
    );
  }

  async markPlatform(tenantId: string, id: string): Promise<void> {
    await this.#sql.count('INSERT INTO platform_roles (tenant_id, id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [tenantId, id]);
  }

  async isPlatform(tenantId: string, id: string): Promise<boolean> {
    return (await this.#sql.rows('SELECT 1 FROM platform_roles WHERE tenant_id = $1 AND id = $2', [tenantId, id])).length > 0;
  }

  async rolesOf(tenantId: string, userIds: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(userIds.map((id) => [id, []]));
    if (userIds.length === 0) return out;
    // Direct memberships only: a nested group gives its members nothing (docs/scim-api.md).
    const rows = await this.#sql.rows<{ member_id: string; group_id: string }>(
      `SELECT member_id, group_id FROM members WHERE tenant_id = $1 AND member_id = ANY($2::text[]) AND member_type = 'User' ORDER BY member_id, group_id`,
      [tenantId, userIds],
    );
    for (const r of rows) out.get(r.member_id)?.push(r.group_id);
    return out;
  }

  async permissionsOf(tenantId: string, userId: string): Promise<string[]> {
    const rows = await this.#sql.rows<{ permission: string }>(
      `SELECT DISTINCT p.permission FROM members m JOIN role_permissions p ON p.tenant_id = m.tenant_id AND p.role_id = m.group_id
       WHERE m.tenant_id = $1 AND m.member_id = $2 AND m.member_type = 'User' ORDER BY p.permission`,
      [tenantId, userId],
    );
    return rows.map((r) => r.permission);
  }
}
