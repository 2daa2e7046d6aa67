/**
 * `PlatformUsers` over PostgreSQL: the `platform_users` rows of migration 8
 * (docs/storage.md "Platform users"). The SCIM writes keep them (pg-ops.ts); this is
 * everything else (hide, suspend, release, erase, the admin API's reads).
 */
import type { DeprovisionPolicy, HiddenUser, PlatformUser, UserStatus } from '../../domain/platform-user.ts';
import type { PlatformUserPage, PlatformUsers } from '../store.ts';
import type { Sql } from './pg-sql.ts';

interface Row {
  id: string;
  user_name: string;
  external_id: string | null;
  status: UserStatus;
  managed: boolean;
  suspended_at: string | null;
  deprovisioned_at: string | null;
}

const COLUMNS = 'id, user_name, external_id, status, managed, suspended_at, deprovisioned_at';

const toUser = (r: Row): PlatformUser => ({
  id: r.id, userName: r.user_name, externalId: r.external_id, status: r.status, managed: r.managed, suspendedAt: r.suspended_at, deprovisionedAt: r.deprovisioned_at,
});

/** The `platform_users` operations on one `Sql`. */
export class PgPlatformUsers implements PlatformUsers {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async get(tenantId: string, id: string): Promise<PlatformUser | undefined> {
    const [r] = await this.#sql.rows<Row>(`SELECT ${COLUMNS} FROM platform_users WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
    return r === undefined ? undefined : toUser(r);
  }

  async list(tenantId: string, page: PlatformUserPage): Promise<PlatformUser[]> {
    const byName = page.nameFold !== undefined;
    const sql = `SELECT ${COLUMNS} FROM platform_users WHERE tenant_id = $1 AND id > $2${byName ? ' AND name_fold = $4' : ''} ORDER BY id LIMIT $3`;
    const rows = await this.#sql.rows<Row>(sql, [tenantId, page.after ?? '', page.limit, ...(byName ? [page.nameFold] : [])]);
    return rows.map(toUser);
  }

  async findHidden(tenantId: string, by: { externalId?: string; nameFold?: string }): Promise<HiddenUser | undefined> {
    const [column, value] = by.externalId !== undefined ? ['external_id', by.externalId] : ['name_fold', by.nameFold];
    if (value === undefined) return undefined;
    const [r] = await this.#sql.rows<{ id: string; hidden: string }>(
      `SELECT id, hidden FROM platform_users WHERE tenant_id = $1 AND ${column} = $2 AND hidden IS NOT NULL ORDER BY deprovisioned_at DESC NULLS LAST LIMIT 1`,
      [tenantId, value],
    );
    if (r === undefined) return undefined;
    const h = JSON.parse(r.hidden) as { version: number; created: string };
    return { id: r.id, version: h.version, created: h.created };
  }

  async hide(tenantId: string, id: string, hidden: { version: number; created: string; groups: readonly string[] }, at: string): Promise<void> {
    await this.#sql.count(
      `UPDATE platform_users SET hidden = $1, deprovisioned_at = $2,
         status = CASE WHEN suspended_at IS NOT NULL THEN 'suspended' ELSE 'inactive' END
       WHERE tenant_id = $3 AND id = $4`,
      [JSON.stringify(hidden), at, tenantId, id],
    );
  }

  async setSuspended(tenantId: string, id: string, at: string | null): Promise<PlatformUser | undefined> {
    // Suspending removes the managed mark; lifting it gives back the status SCIM set
    // (inactive while hidden or `active: false`). The mark returns with the next SCIM write.
    const [r] = await this.#sql.rows<Row>(
      `UPDATE platform_users SET suspended_at = $1::text,
          managed = CASE WHEN $1::text IS NULL THEN managed ELSE FALSE END,
          status = CASE WHEN $1::text IS NOT NULL THEN 'suspended'
                        WHEN hidden IS NOT NULL THEN 'inactive'
                        WHEN (SELECT r.search ->> 'active' FROM resources r
                              WHERE r.tenant_id = platform_users.tenant_id AND r.id = platform_users.id) = 'false' THEN 'inactive'
                        ELSE 'active' END
        WHERE tenant_id = $2 AND id = $3 RETURNING ${COLUMNS}`,
      [at, tenantId, id],
    );
    return r === undefined ? undefined : toUser(r);
  }

  async releaseAll(tenantId: string): Promise<number> {
    return this.#sql.count('UPDATE platform_users SET managed = FALSE WHERE tenant_id = $1 AND managed', [tenantId]);
  }

  async eraseHidden(tenantId: string): Promise<number> {
    return this.#sql.count('DELETE FROM platform_users WHERE tenant_id = $1 AND hidden IS NOT NULL', [tenantId]);
  }

  async deprovisionPolicy(tenantId: string): Promise<DeprovisionPolicy> {
    const [r] = await this.#sql.rows<{ deprovision: DeprovisionPolicy }>('SELECT deprovision FROM tenants WHERE id = $1', [tenantId]);
    return r?.deprovision ?? 'deactivate';
  }

  async setDeprovisionPolicy(tenantId: string, policy: DeprovisionPolicy): Promise<boolean> {
    return (await this.#sql.count('UPDATE tenants SET deprovision = $1 WHERE id = $2', [policy, tenantId])) > 0;
  }
}
