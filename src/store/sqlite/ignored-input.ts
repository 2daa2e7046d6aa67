/**
 * The `ignored_input` table (migration 5): per tenant, what identity providers sent
 * that Roster ignored, with first/last time seen and a count
 * (docs/identity-providers.md "Ignored input").
 */
import type { StatementCache } from './connection.ts';
import type { IgnoredInputRecord, IgnoredItem } from '../../domain/ignored-input.ts';

/** Longest name kept; longer names are cut (a provider cannot grow rows without bound). */
export const IGNORED_NAME_MAX = 256;
/** Most distinct (kind, name) rows per tenant; later new names are not recorded. */
export const IGNORED_ROWS_PER_TENANT = 1000;

/** Upserts the items of one request (the caller runs this inside a write transaction). */
export function recordIgnored(stmts: StatementCache, tenantId: string, items: readonly IgnoredItem[], at: string): void {
  const seen = new Set<string>();
  const update = stmts.get('UPDATE ignored_input SET last_seen = ?, count = count + 1 WHERE tenant_id = ? AND kind = ? AND name = ?');
  const count = stmts.get('SELECT COUNT(*) AS n FROM ignored_input WHERE tenant_id = ?');
  const insert = stmts.get('INSERT INTO ignored_input (tenant_id, kind, name, first_seen, last_seen, count) VALUES (?, ?, ?, ?, ?, 1)');
  for (const item of items) {
    const kind = item.kind.slice(0, 32);
    const name = item.name.length > IGNORED_NAME_MAX ? item.name.slice(0, IGNORED_NAME_MAX) : item.name;
    const key = `${kind}\u0000${name}`;
    if (seen.has(key)) continue; // one request counts once
    seen.add(key);
    if (update.run(at, tenantId, kind, name).changes > 0) continue;
    if ((count.get(tenantId) as { n: number }).n >= IGNORED_ROWS_PER_TENANT) continue;
    insert.run(tenantId, kind, name, at, at);
  }
}

interface Row {
  kind: string;
  name: string;
  first_seen: string;
  last_seen: string;
  count: number;
}

/** The tenant's rows, ordered by kind then name. */
export function listIgnored(stmts: StatementCache, tenantId: string): IgnoredInputRecord[] {
  const rows = stmts
    .get('SELECT kind, name, first_seen, last_seen, count FROM ignored_input WHERE tenant_id = ? ORDER BY kind, name')
    .all(tenantId) as Row[];
  return rows.map((r) => ({ kind: r.kind, name: r.name, firstSeen: r.first_seen, lastSeen: r.last_seen, count: r.count }));
}
