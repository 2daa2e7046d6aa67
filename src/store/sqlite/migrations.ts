/**
 * The SQLite schema as an ordered list of migrations. Each runs once, in order,
 * inside the same BEGIN IMMEDIATE transaction that records it in
 * `schema_migrations`, so two processes starting at once never both apply it.
 * Never edit a released migration: append a new one.
 */

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const migrations: readonly Migration[] = Object.freeze([
  {
    version: 1,
    name: 'initial',
    sql: `
      CREATE TABLE tenants (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        idp        TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE api_keys (
        id         TEXT PRIMARY KEY,
        tenant_id  TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        digest     TEXT NOT NULL,
        last4      TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX api_keys_tenant ON api_keys(tenant_id);

      -- Rows are large (two JSON documents), so this is a rowid table.
      -- name_fold: foldCase(userName) for Users, foldCase(displayName) for Groups.
      -- search: the resource with every caseExact=false string folded (search-doc.ts).
      CREATE TABLE resources (
        tenant_id     TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        type          TEXT NOT NULL CHECK (type IN ('User', 'Group')),
        id            TEXT NOT NULL,
        data          TEXT NOT NULL,
        search        TEXT NOT NULL,
        version       INTEGER NOT NULL,
        created       TEXT NOT NULL,
        last_modified TEXT NOT NULL,
        name_fold     TEXT,
        external_id   TEXT,
        PRIMARY KEY (tenant_id, id)
      ) STRICT;
      -- RFC 7644 §3.3 / RFC 7643 §4.1.1: userName (and Roster's Group displayName)
      -- unique per tenant, case-insensitively after PRECIS-style folding.
      CREATE UNIQUE INDEX resources_name ON resources(tenant_id, type, name_fold);
      CREATE INDEX resources_type_id ON resources(tenant_id, type, id);
      CREATE INDEX resources_external_id ON resources(tenant_id, type, external_id);
      CREATE INDEX resources_created ON resources(tenant_id, type, created);
      CREATE INDEX resources_last_modified ON resources(tenant_id, type, last_modified);

      -- docs/principles.md rule 7: membership is rows, never a JSON array.
      CREATE TABLE members (
        tenant_id   TEXT NOT NULL,
        group_id    TEXT NOT NULL,
        member_id   TEXT NOT NULL,
        member_type TEXT NOT NULL CHECK (member_type IN ('User', 'Group')),
        display     TEXT,
        PRIMARY KEY (tenant_id, group_id, member_id),
        FOREIGN KEY (tenant_id, group_id) REFERENCES resources(tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, member_id) REFERENCES resources(tenant_id, id) ON DELETE CASCADE
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX members_member ON members(tenant_id, member_id);

      -- Folded emails[].value of Users, for indexed emails.value eq filters.
      CREATE TABLE email_values (
        tenant_id   TEXT NOT NULL,
        resource_id TEXT NOT NULL,
        value_fold  TEXT NOT NULL,
        PRIMARY KEY (tenant_id, value_fold, resource_id),
        FOREIGN KEY (tenant_id, resource_id) REFERENCES resources(tenant_id, id) ON DELETE CASCADE
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX email_values_resource ON email_values(tenant_id, resource_id);

      CREATE TABLE settings (
        name  TEXT PRIMARY KEY,
        value BLOB NOT NULL
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'resource counts',
    // totalResults of an unfiltered list (RFC 7644 §3.4.2) without a COUNT(*) over
    // the tenant: one counter row per (tenant, type), kept by triggers in the same
    // transaction as the insert or delete (a rolled-back statement rolls it back too).
    // Deleting the tenant cascades to its counters.
    sql: `
      CREATE TABLE resource_counts (
        tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        type      TEXT NOT NULL,
        n         INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, type)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO resource_counts (tenant_id, type, n)
        SELECT tenant_id, type, COUNT(*) FROM resources GROUP BY tenant_id, type;
      CREATE TRIGGER resource_counts_insert AFTER INSERT ON resources BEGIN
        INSERT INTO resource_counts (tenant_id, type, n) VALUES (NEW.tenant_id, NEW.type, 1)
          ON CONFLICT (tenant_id, type) DO UPDATE SET n = n + 1;
      END;
      -- UPDATE, never an upsert: a cascade from a deleted tenant finds no row to recreate.
      CREATE TRIGGER resource_counts_delete AFTER DELETE ON resources BEGIN
        UPDATE resource_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND type = OLD.type;
      END;
    `,
  },
  {
    version: 3,
    name: 'planner statistics',
    // Without statistics SQLite assumes ~10 rows per tenant_id, so it prefers a range
    // over the whole tenant on a primary-key prefix, `(tenant_id=?)`, to a two-column
    // index: deleting a user then read every member row of its tenant (the
    // ON DELETE CASCADE of members.member_id). These rows describe the real shape
    // (tenants are large, every other key column is selective); query-plans.test.ts
    // pins the plans. A later ANALYZE replaces them with measured values.
    sql: `
      ANALYZE sqlite_schema;
      DELETE FROM sqlite_stat1 WHERE tbl IN ('resources', 'members', 'email_values');
      INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
        ('resources', 'sqlite_autoindex_resources_1', '1000000 100000 1'),
        ('resources', 'resources_name', '1000000 100000 50000 1'),
        ('resources', 'resources_type_id', '1000000 100000 50000 1'),
        ('resources', 'resources_external_id', '1000000 100000 50000 1'),
        ('resources', 'resources_created', '1000000 100000 50000 2'),
        ('resources', 'resources_last_modified', '1000000 100000 50000 2'),
        ('members', 'members', '1000000 100000 100 1'),
        ('members', 'members_member', '1000000 100000 3'),
        ('email_values', 'email_values', '1000000 100000 1 1'),
        ('email_values', 'email_values_resource', '1000000 100000 2');
      ANALYZE sqlite_schema;
    `,
  },
  {
    version: 4,
    name: 'member counts',
    // The member count of each group, kept by triggers in the same transaction as the
    // member rows (like resource_counts): the maximum group size (--max-group-members)
    // is checked without counting a large group's rows, and list responses know which
    // groups are past --list-max-members before reading any member (docs/scim-api.md).
    // INSERT OR IGNORE of an existing member inserts nothing and fires nothing.
    sql: `
      CREATE TABLE member_counts (
        tenant_id TEXT NOT NULL,
        group_id  TEXT NOT NULL,
        n         INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, group_id),
        FOREIGN KEY (tenant_id, group_id) REFERENCES resources(tenant_id, id) ON DELETE CASCADE
      ) STRICT, WITHOUT ROWID;
      INSERT INTO member_counts (tenant_id, group_id, n)
        SELECT tenant_id, group_id, COUNT(*) FROM members GROUP BY tenant_id, group_id;
      CREATE TRIGGER member_counts_insert AFTER INSERT ON members BEGIN
        INSERT INTO member_counts (tenant_id, group_id, n) VALUES (NEW.tenant_id, NEW.group_id, 1)
          ON CONFLICT (tenant_id, group_id) DO UPDATE SET n = n + 1;
      END;
      -- UPDATE, never an upsert: a cascade from a deleted group finds no row to recreate.
      CREATE TRIGGER member_counts_delete AFTER DELETE ON members BEGIN
        UPDATE member_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND group_id = OLD.group_id;
      END;
    `,
  },
  {
    version: 5,
    name: 'ignored input',
    // What identity providers sent that Roster ignored (unknown extension schemas and
    // attributes, member ids that resolve to nothing), per tenant: one row per
    // (tenant, kind, name) with first/last time seen and a count. Keyed by tenant
    // first; deleting the tenant deletes its rows (docs/identity-providers.md).
    sql: `
      CREATE TABLE ignored_input (
        tenant_id  TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        kind       TEXT NOT NULL,
        name       TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen  TEXT NOT NULL,
        count      INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, kind, name)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 6,
    name: 'audit and outbox',
    // The audit trail and the outbox of events (docs/audit.md), written by the unit of
    // work in the transaction of the change (docs/reliability.md CF-7). No foreign key
    // to tenants: the rows of a deleted tenant (its `scim_setup.deleted` event above
    // all) outlive it. `event_counters` holds each tenant's last audit and outbox
    // sequence numbers, bumped by one upsert in the write transaction, so sequences
    // are strictly increasing and gap-free per tenant.
    sql: `
      CREATE TABLE event_counters (
        tenant_id  TEXT PRIMARY KEY,
        audit_seq  INTEGER NOT NULL,
        outbox_seq INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE audit_events (
        tenant_id      TEXT NOT NULL,
        seq            INTEGER NOT NULL,
        id             TEXT NOT NULL,
        occurred_at    TEXT NOT NULL,
        actor_kind     TEXT NOT NULL,
        actor_id       TEXT,
        actor_label    TEXT,
        request_id     TEXT,
        idp            TEXT,
        method         TEXT,
        path           TEXT,
        resource_type  TEXT NOT NULL,
        resource_id    TEXT NOT NULL,
        operation      TEXT NOT NULL,
        change         TEXT NOT NULL,
        outcome        TEXT NOT NULL,
        status         INTEGER NOT NULL,
        normalisations TEXT NOT NULL,
        PRIMARY KEY (tenant_id, seq)
      ) STRICT;

      CREATE TABLE outbox_events (
        tenant_id   TEXT NOT NULL,
        seq         INTEGER NOT NULL,
        id          TEXT NOT NULL UNIQUE,
        type        TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        payload     TEXT NOT NULL,
        PRIMARY KEY (tenant_id, seq)
      ) STRICT;
    `,
  },
  {
    version: 7,
    name: 'operator tokens',
    // Admin API operator tokens (docs/architecture.md, Admin API): the SHA-256 digest
    // of the secret only, never the token; a revoked token keeps its row.
    sql: `
      CREATE TABLE operator_tokens (
        id         TEXT PRIMARY KEY,
        digest     TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      ) STRICT;
    `,
  },
  {
    version: 8,
    name: 'user lifecycle',
    // The platform side of each User (docs/scim-api.md "User lifecycle"): status,
    // managed mark, suspension and deprovisioning, keyed (tenant_id, id) beside the
    // SCIM row, which stays as the identity provider sent it. Triggers on `resources`
    // keep it in the write's transaction: a SCIM insert or update derives the status
    // from `active` (RFC 7643 §4.1.1) and sets the managed mark, unless the user is
    // suspended (suspension wins). A DELETE under the `deactivate` policy first sets
    // `hidden` (with what a restore needs), then deletes the SCIM row: the user leaves
    // SCIM reads, lists, counts and the userName index, and this row stays; a restore
    // inserts the SCIM row again with the same id, which clears `hidden`.
    sql: `
      ALTER TABLE tenants ADD COLUMN deprovision TEXT NOT NULL DEFAULT 'deactivate'
        CHECK (deprovision IN ('deactivate', 'delete'));

      CREATE TABLE platform_users (
        tenant_id        TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        id               TEXT NOT NULL,
        status           TEXT NOT NULL CHECK (status IN ('active', 'inactive', 'suspended')),
        managed          INTEGER NOT NULL,
        user_name        TEXT NOT NULL,
        name_fold        TEXT,
        external_id      TEXT,
        suspended_at     TEXT,
        deprovisioned_at TEXT,
        -- While hidden by a DELETE: {"version", "created", "groups"} of the deleted SCIM row.
        hidden           TEXT,
        PRIMARY KEY (tenant_id, id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX platform_users_name ON platform_users(tenant_id, name_fold);
      CREATE INDEX platform_users_hidden_external_id ON platform_users(tenant_id, external_id) WHERE hidden IS NOT NULL;

      INSERT INTO platform_users (tenant_id, id, status, managed, user_name, name_fold, external_id)
        SELECT tenant_id, id, CASE WHEN json_extract(data, '$.active') = 0 THEN 'inactive' ELSE 'active' END, 1,
               coalesce(json_extract(data, '$.userName'), ''), name_fold, external_id
        FROM resources WHERE type = 'User';

      CREATE TRIGGER platform_users_insert AFTER INSERT ON resources WHEN NEW.type = 'User' BEGIN
        INSERT INTO platform_users (tenant_id, id, status, managed, user_name, name_fold, external_id)
          VALUES (NEW.tenant_id, NEW.id, CASE WHEN json_extract(NEW.data, '$.active') = 0 THEN 'inactive' ELSE 'active' END, 1,
                  coalesce(json_extract(NEW.data, '$.userName'), ''), NEW.name_fold, NEW.external_id)
          ON CONFLICT (tenant_id, id) DO UPDATE SET
            hidden = NULL, deprovisioned_at = NULL,
            user_name = excluded.user_name, name_fold = excluded.name_fold, external_id = excluded.external_id,
            status = CASE WHEN suspended_at IS NOT NULL THEN 'suspended' ELSE excluded.status END,
            managed = suspended_at IS NULL;
      END;
      CREATE TRIGGER platform_users_update AFTER UPDATE OF data ON resources WHEN NEW.type = 'User' BEGIN
        UPDATE platform_users SET
          user_name = coalesce(json_extract(NEW.data, '$.userName'), ''), name_fold = NEW.name_fold, external_id = NEW.external_id,
          status = CASE WHEN suspended_at IS NOT NULL THEN 'suspended'
                        WHEN json_extract(NEW.data, '$.active') = 0 THEN 'inactive' ELSE 'active' END,
          managed = suspended_at IS NULL
        WHERE tenant_id = NEW.tenant_id AND id = NEW.id;
      END;
      -- A hidden user keeps its row; any other deleted User loses it.
      CREATE TRIGGER platform_users_delete AFTER DELETE ON resources WHEN OLD.type = 'User' BEGIN
        DELETE FROM platform_users WHERE tenant_id = OLD.tenant_id AND id = OLD.id AND hidden IS NULL;
      END;
    `,
  },
  {
    version: 9,
    name: 'role permissions',
    // Every SCIM Group is a role of the platform with the same id (docs/scim-api.md
    // "Roles and permissions"); the permissions administrators grant it are these rows,
    // never part of the SCIM resource, so no SCIM write can change them (AU-9). Deleting
    // the Group deletes its grants with it. `platform_roles` marks the Groups created on
    // the platform (admin API): SCIM may read them but not change, delete or join them.
    sql: `
      CREATE TABLE platform_roles (
        tenant_id TEXT NOT NULL,
        id        TEXT NOT NULL,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, id) REFERENCES resources(tenant_id, id) ON DELETE CASCADE
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE role_permissions (
        tenant_id  TEXT NOT NULL,
        role_id    TEXT NOT NULL,
        permission TEXT NOT NULL,
        PRIMARY KEY (tenant_id, role_id, permission),
        FOREIGN KEY (tenant_id, role_id) REFERENCES resources(tenant_id, id) ON DELETE CASCADE
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 10,
    name: 'audit retention and request statistics',
    // docs/audit.md "Retention": the pruner deletes the oldest rows by time, across
    // tenants, a small batch per transaction; this index makes each batch a range read.
    sql: `
      CREATE INDEX audit_events_occurred ON audit_events (occurred_at);

      -- docs/audit.md "Sync health": SCIM requests per tenant per UTC hour ('YYYY-MM-DDTHH'),
      -- flushed from memory every few seconds; hours older than 31 days are deleted on flush.
      CREATE TABLE request_stats (
        tenant_id TEXT NOT NULL,
        hour      TEXT NOT NULL,
        requests  INTEGER NOT NULL,
        errors    INTEGER NOT NULL,
        last_at   TEXT NOT NULL,
        PRIMARY KEY (tenant_id, hour)
      ) STRICT, WITHOUT ROWID;

      -- The latest error answers per tenant (at most 20 kept), with their SCIM error bodies.
      CREATE TABLE request_errors (
        id        INTEGER PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        at        TEXT NOT NULL,
        status    INTEGER NOT NULL,
        method    TEXT NOT NULL,
        path      TEXT NOT NULL,
        body      TEXT NOT NULL
      ) STRICT;
      CREATE INDEX request_errors_tenant ON request_errors (tenant_id, id);
    `,
  },
  {
    version: 11,
    name: 'event feed and subscribers',
    // docs/events.md: `gseq` numbers every outbox row across tenants in commit order (the
    // writer lock serialises writers), from the one-row counter `event_feed`, so the
    // all-tenants feed has a gap-free global order that pruning never rewinds (a rowid
    // could be reused once every row is pruned). Existing rows keep their insertion order.
    // `event_subscribers`: the durable cursor (a `gseq`) of each in-process subscriber
    // (docs/embedding.md "Events in process"), advanced only after its handler resolved.
    sql: `
      ALTER TABLE outbox_events ADD COLUMN gseq INTEGER;
      UPDATE outbox_events SET gseq = rowid;
      CREATE UNIQUE INDEX outbox_events_gseq ON outbox_events (gseq);
      CREATE TABLE event_feed (
        id   INTEGER PRIMARY KEY CHECK (id = 1),
        gseq INTEGER NOT NULL
      ) STRICT;
      INSERT INTO event_feed (id, gseq) SELECT 1, coalesce(max(gseq), 0) FROM outbox_events;
      CREATE TABLE event_subscribers (
        name       TEXT PRIMARY KEY,
        gseq       INTEGER NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 12,
    name: 'api key last use',
    // docs/scim-api.md "API keys": when each key last authenticated a request, for the
    // admin API's key list. Written from memory at most every few seconds (with the
    // request statistics), never once per request.
    sql: `
      ALTER TABLE api_keys ADD COLUMN last_used_at TEXT;
    `,
  },
  {
    version: 13,
    name: 'webhooks',
    // docs/webhooks.md: endpoints per tenant. No foreign key to tenants: like the outbox
    // (migration 6) an endpoint outlives its tenant long enough to deliver the tenant's
    // last events (`scim_setup.deleted`). Secrets are sealed by the webhooks layer
    // (AES-256-GCM under the store secret `webhook-secrets`). The delivery state is on
    // the endpoint row: `next_seq` is the cursor into the tenant's outbox, `attempts`,
    // `next_attempt_at` and `failing_since` describe the event at the head, and
    // `lease_owner` / `lease_expires_at` the worker delivering it (one at a time).
    sql: `
      CREATE TABLE webhook_endpoints (
        id                  TEXT PRIMARY KEY,
        tenant_id           TEXT NOT NULL,
        url                 TEXT NOT NULL,
        events              TEXT NOT NULL,
        enabled             INTEGER NOT NULL,
        disabled_reason     TEXT,
        secret              TEXT NOT NULL,
        previous_secret     TEXT,
        previous_expires_at TEXT,
        created_at          TEXT NOT NULL,
        updated_at          TEXT NOT NULL,
        next_seq            INTEGER NOT NULL,
        attempts            INTEGER NOT NULL DEFAULT 0,
        next_attempt_at     TEXT NOT NULL,
        failing_since       TEXT,
        lease_owner         TEXT,
        lease_expires_at    TEXT
      ) STRICT;
      CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id, id);
      CREATE INDEX webhook_endpoints_due ON webhook_endpoints (enabled, next_attempt_at);

      -- Events queued again by a replay, delivered before the cursor's.
      CREATE TABLE webhook_replays (
        endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
        seq         INTEGER NOT NULL,
        PRIMARY KEY (endpoint_id, seq)
      ) STRICT, WITHOUT ROWID;

      -- Attempts, the newest 1000 per endpoint kept.
      CREATE TABLE webhook_deliveries (
        id          INTEGER PRIMARY KEY,
        endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
        event_id    TEXT NOT NULL,
        event_seq   INTEGER NOT NULL,
        event_type  TEXT NOT NULL,
        attempt     INTEGER NOT NULL,
        at          TEXT NOT NULL,
        status      INTEGER,
        latency_ms  INTEGER NOT NULL,
        response    TEXT,
        error       TEXT,
        outcome     TEXT NOT NULL
      ) STRICT;
      CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
    `,
  },
]);
