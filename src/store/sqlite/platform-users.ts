/**
 * `PlatformUsers` over one SQLite connection: the `platform_users` rows of
 * migration 8 (docs/storage.md "Platform users"). The SCIM writes keep them by
 * trigger; this is everything else (hide, suspend, the admin API's reads).
 */
import type { StatementCache } from './connection.ts';
import type { DeprovisionPolicy, HiddenUser, PlatformUser, UserStatus } from '../../domain/platform-user.ts';
import type { PlatformUserPage, PlatformUsers } from '../store.ts';

interface Row {
  id: string;
  user_name: string;
  external_id: string | null;
  status: UserStatus;
  managed: number;
  suspended_at: string | null;
  deprovisioned_at: string | null;
}

const COLUMNS = 'id, user_name, external_id, status, managed, suspended_at, deprovisioned_at';

const toUser = (r: Row): PlatformUser => ({
  id: r.id,
  userName: r.user_name,
  externalId: r.external_id,
  status: r.status,
  managed: r.managed === 1,
  suspendedAt: r.suspended_at,
  deprovisionedAt: r.deprovisioned_at,
});

/** The `platform_users` operations on one connection's statements. */
export class SqlitePlatformUsers implements PlatformUsers {
  readonly #stmts: StatementCache;

  constructor(stmts: StatementCache) {
    this.#stmts = stmts;
  }

  async get(tenantId: string, id: string): Promise<PlatformUser | undefined> {
    const r = this.#stmts.get(`SELECT ${COLUMNS} FROM platform_users WHERE tenant_id = ? AND id = ?`).get(tenantId, id) as Row | undefined;
    return r === undefined ? undefined : toUser(r);
  }

  async list(tenantId: string, page: PlatformUserPage): Promise<PlatformUser[]> {
    const where = ['tenant_id = ?', 'id > ?'];
    const args: unknown[] = [tenantId, page.after ?? ''];
    if (page.nameFold !== undefined) {
      where.push('name_fold = ?');
      args.push(page.nameFold);
    }
    const sql = `SELECT ${COLUMNS} FROM platform_users WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`;
    return (this.#stmts.get(sql).all(...args, page.limit) as Row[]).map(toUser);
  }

  async findHidden(tenantId: string, by: { externalId?: string; nameFold?: string }): Promise<HiddenUser | undefined> {
    // INDEXED BY: without planner statistics for this table SQLite scans the tenant's rows
    // by primary key and sorts them (a POST cost 50 ms at 20,000 users); these indexes
    // make it one seek (query-plans.test.ts).
    const [column, value, index] = by.externalId !== undefined
      ? ['external_id', by.externalId, 'platform_users_hidden_external_id']
      : ['name_fold', by.nameFold, 'platform_users_name'];
    if (value === undefined) return undefined;
    const r = this.#stmts
      .get(`SELECT id, hidden FROM platform_users INDEXED BY ${index} WHERE tenant_id = ? AND ${column} = ? AND hidden IS NOT NULL ORDER BY deprovisioned_at DESC LIMIT 1`)
      .get(tenantId, value) as { id: string; hidden: string } | undefined;
    if (r === undefined) return undefined;
    const h = JSON.parse(r.hidden) as { version: number; created: string };
    return { id: r.id, version: h.version, created: h.created };
  }

  async hide(tenantId: string, id: string, hidden: { version: number; created: string; groups: readonly string[] }, at: string): Promise<void> {
    this.#stmts
      .get(
        `UPDATE platform_users SET hidden = ?, deprovisioned_at = ?,
           status = CASE WHEN suspended_at IS NOT NULL THEN 'suspended' ELSE 'inactive' END
         WHERE tenant_id = ? AND id = ?`,
      )
      .run(JSON.stringify(hidden), at, tenantId, id);
  }

  async setSuspended(tenantId: string, id: string, at: string | null): Promise<PlatformUser | undefined> {
    // Suspending removes the managed mark; lifting it gives back the status SCIM set
    // (inactive while hidden or `active: false`). The mark returns with the next SCIM write.
    const sql = `UPDATE platform_users SET suspended_at = @at,
        managed = CASE WHEN @at IS NULL THEN managed ELSE 0 END,
        status = CASE WHEN @at IS NOT NULL THEN 'suspended'
                      WHEN hidden IS NOT NULL THEN 'inactive'
                      WHEN (SELECT json_extract(r.data, '$.active') FROM resources r
                            WHERE r.tenant_id = platform_users.tenant_id AND r.id = platform_users.id) = 0 THEN 'inactive'
                      ELSE 'active' END
      WHERE tenant_id = @tenantId AND id = @id RETURNING ${COLUMNS}`;
    const r = this.#stmts.get(sql).get({ at, tenantId, id }) as Row | undefined;
    return r === undefined ? undefined : toUser(r);
  }

  async releaseAll(tenantId: string): Promise<number> {
    return this.#stmts.get('UPDATE platform_users SET managed = 0 WHERE tenant_id = ? AND managed = 1').run(tenantId).changes;
  }

  async eraseHidden(tenantId: string): Promise<number> {
    return this.#stmts.get('DELETE FROM platform_users WHERE tenant_id = ? AND hidden IS NOT NULL').run(tenantId).changes;
  }

  async deprovisionPolicy(tenantId: string): Promise<DeprovisionPolicy> {
    const r = this.#stmts.get('SELECT deprovision FROM tenants WHERE id = ?').get(tenantId) as { deprovision: DeprovisionPolicy } | undefined;
    return r?.deprovision ?? 'deactivate';
  }

  async setDeprovisionPolicy(tenantId: string, policy: DeprovisionPolicy): Promise<boolean> {
    return this.#stmts.get('UPDATE tenants SET deprovision = ? WHERE id = ?').run(policy, tenantId).changes > 0;
  }
}
