/**
 * The PostgreSQL schema as an ordered list of migrations, numbered as the SQLite ones
 * (`src/store/sqlite/migrations.ts`): version N holds the same tables and rules on both
 * stores. Each runs once, in its own transaction with its `schema_migrations` row,
 * while the process holds the migration advisory lock (`pg-migrate.ts`), so processes
 * starting at once never both apply one. Never edit a released migration: append one.
 *
 * Every table is keyed by tenant first (docs/storage.md "PostgreSQL"), so the schema
 * can be distributed by `tenant_id`. Every text column a query compares or orders is
 * in the "C" collation: code point order, as the evaluator and SQLite compare.
 * Request bodies are kept as JSON text (`data`): jsonb refuses the `\u0000` escape
 * that JSON (RFC 8259 §7) and therefore SCIM strings allow; the `search` document,
 * where filters run, is jsonb with such characters escaped (`pg-text.ts`).
 */
import type { Migration } from '../sqlite/migrations.ts';
import { PG_WEBHOOKS_MIGRATION } from './pg-webhooks.ts';

/** The text type of compared and ordered columns. */
const T = 'TEXT COLLATE "C"';

export const pgMigrations: readonly Migration[] = Object.freeze([
  {
    version: 1,
    name: 'initial',
    sql: `
      CREATE TABLE tenants (
        id         ${T} PRIMARY KEY,
        name       ${T} NOT NULL,
        idp        ${T} NOT NULL,
        created_at ${T} NOT NULL
      );

      CREATE TABLE api_keys (
        id         ${T} PRIMARY KEY,
        tenant_id  ${T} NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        digest     ${T} NOT NULL,
        last4      ${T} NOT NULL,
        created_at ${T} NOT NULL,
        expires_at ${T}
      );
      CREATE INDEX api_keys_tenant ON api_keys(tenant_id);

      -- name_fold: foldCase(userName) for Users, foldCase(displayName) for Groups.
      -- search: the resource with every caseExact=false string folded (search-doc.ts).
      CREATE TABLE resources (
        tenant_id     ${T} NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        type          ${T} NOT NULL CHECK (type IN ('User', 'Group')),
        id            ${T} NOT NULL,
        data          TEXT NOT NULL,
        search        JSONB NOT NULL,
        version       INTEGER NOT NULL,
        created       ${T} NOT NULL,
        last_modified ${T} NOT NULL,
        name_fold     ${T},
        external_id   ${T},
        PRIMARY KEY (tenant_id, id)
      );
      -- RFC 7644 §3.3 / RFC 7643 §4.1.1: userName (and Roster's Group displayName)
      -- unique per tenant, case-insensitively after PRECIS-style folding; the index,
      -- not a read-then-write, decides a race between processes.
      CREATE UNIQUE INDEX resources_name ON resources(tenant_id, type, name_fold);
      CREATE INDEX resources_type_id ON resources(tenant_id, type, id);
      CREATE INDEX resources_external_id ON resources(tenant_id, type, external_id);
      CREATE INDEX resources_created ON resources(tenant_id, type, created);
      CREATE INDEX resources_last_modified ON resources(tenant_id, type, last_modified);

      -- docs/principles.md rule 7: membership is rows, never a JSON array.
      -- display_fold: foldCase(display), for members[display …] filters.
      CREATE TABLE members (
        tenant_id    ${T} NOT NULL,
        group_id     ${T} NOT NULL,
        member_id    ${T} NOT NULL,
        member_type  ${T} NOT NULL CHECK (member_type IN ('User', 'Group')),
        display      ${T},
        display_fold ${T},
        PRIMARY KEY (tenant_id, group_id, member_id),
        FOREIGN KEY (tenant_id, group_id) REFERENCES resources(tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, member_id) REFERENCES resources(tenant_id, id) ON DELETE CASCADE
      );
      CREATE INDEX members_member ON members(tenant_id, member_id);

      -- Folded emails[].value of Users, for indexed emails.value eq filters.
      CREATE TABLE email_values (
        tenant_id   ${T} NOT NULL,
        resource_id ${T} NOT NULL,
        value_fold  ${T} NOT NULL,
        PRIMARY KEY (tenant_id, value_fold, resource_id),
        FOREIGN KEY (tenant_id, resource_id) REFERENCES resources(tenant_id, id) ON DELETE CASCADE
      );
      CREATE INDEX email_values_resource ON email_values(tenant_id, resource_id);

      CREATE TABLE settings (
        name  ${T} PRIMARY KEY,
        value BYTEA NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'resource counts',
    // As SQLite's migration 2: one counter row per (tenant, type), kept by triggers in
    // the transaction of the insert or delete; the upsert's row lock orders concurrent writers.
    sql: `
      CREATE TABLE resource_counts (
        tenant_id ${T} NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        type      ${T} NOT NULL,
        n         BIGINT NOT NULL,
        PRIMARY KEY (tenant_id, type)
      );
      INSERT INTO resource_counts (tenant_id, type, n)
        SELECT tenant_id, type, COUNT(*) FROM resources GROUP BY tenant_id, type;
      -- Statement-level, over the transition table: one counter update per statement, not per row.
      CREATE FUNCTION resource_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO resource_counts AS c (tenant_id, type, n)
          SELECT tenant_id, type, COUNT(*) FROM new_rows GROUP BY tenant_id, type
          ON CONFLICT (tenant_id, type) DO UPDATE SET n = c.n + excluded.n;
        RETURN NULL;
      END $$;
      -- UPDATE, never an upsert: a cascade from a deleted tenant finds no row to recreate.
      CREATE FUNCTION resource_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE resource_counts c SET n = c.n - d.k
          FROM (SELECT tenant_id, type, COUNT(*) AS k FROM old_rows GROUP BY tenant_id, type) d
          WHERE c.tenant_id = d.tenant_id AND c.type = d.type;
        RETURN NULL;
      END $$;
      CREATE TRIGGER resource_counts_insert AFTER INSERT ON resources REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION resource_counts_insert();
      CREATE TRIGGER resource_counts_delete AFTER DELETE ON resources REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION resource_counts_delete();
    `,
  },
  {
    version: 3,
    name: 'planner statistics',
    // SQLite needed hand-written statistics; PostgreSQL's autovacuum ANALYZE keeps its
    // own. The version is kept so both stores number their schema alike.
    sql: 'SELECT 1;',
  },
  {
    version: 4,
    name: 'member counts',
    // As SQLite's migration 4. INSERT … ON CONFLICT DO NOTHING of an existing member
    // inserts nothing: the transition table holds only the rows really inserted.
    sql: `
      CREATE TABLE member_counts (
        tenant_id ${T} NOT NULL,
        group_id  ${T} NOT NULL,
        n         BIGINT NOT NULL,
        PRIMARY KEY (tenant_id, group_id),
        FOREIGN KEY (tenant_id, group_id) REFERENCES resources(tenant_id, id) ON DELETE CASCADE
      );
      INSERT INTO member_counts (tenant_id, group_id, n)
        SELECT tenant_id, group_id, COUNT(*) FROM members GROUP BY tenant_id, group_id;
      -- Statement-level like resource_counts: adding 10,000 members is one counter update
      -- (a row-level upsert per member took seconds, past the statement deadline).
      CREATE FUNCTION member_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO member_counts AS c (tenant_id, group_id, n)
          SELECT tenant_id, group_id, COUNT(*) FROM new_rows GROUP BY tenant_id, group_id
          ON CONFLICT (tenant_id, group_id) DO UPDATE SET n = c.n + excluded.n;
        RETURN NULL;
      END $$;
      CREATE FUNCTION member_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE member_counts c SET n = c.n - d.k
          FROM (SELECT tenant_id, group_id, COUNT(*) AS k FROM old_rows GROUP BY tenant_id, group_id) d
          WHERE c.tenant_id = d.tenant_id AND c.group_id = d.group_id;
        RETURN NULL;
      END $$;
      CREATE TRIGGER member_counts_insert AFTER INSERT ON members REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION member_counts_insert();
      CREATE TRIGGER member_counts_delete AFTER DELETE ON members REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION member_counts_delete();
    `,
  },
  {
    version: 5,
    name: 'ignored input',
    sql: `
      CREATE TABLE ignored_input (
        tenant_id  ${T} NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        kind       ${T} NOT NULL,
        name       ${T} NOT NULL,
        first_seen ${T} NOT NULL,
        last_seen  ${T} NOT NULL,
        count      BIGINT NOT NULL,
        PRIMARY KEY (tenant_id, kind, name)
      );
    `,
  },
  {
    version: 6,
    name: 'audit and outbox',
    // As SQLite's migration 6: the counter row's upsert holds its row lock until the
    // transaction ends, so per-tenant sequences stay gap-free across processes.
    sql: `
      CREATE TABLE event_counters (
        tenant_id  ${T} PRIMARY KEY,
        audit_seq  BIGINT NOT NULL,
        outbox_seq BIGINT NOT NULL
      );

      CREATE TABLE audit_events (
        tenant_id      ${T} NOT NULL,
        seq            BIGINT NOT NULL,
        id             ${T} NOT NULL,
        occurred_at    ${T} NOT NULL,
        actor_kind     ${T} NOT NULL,
        actor_id       ${T},
        actor_label    ${T},
        request_id     ${T},
        idp            ${T},
        method         ${T},
        path           TEXT,
        resource_type  ${T} NOT NULL,
        resource_id    ${T} NOT NULL,
        operation      ${T} NOT NULL,
        change         TEXT NOT NULL,
        outcome        ${T} NOT NULL,
        status         INTEGER NOT NULL,
        normalisations TEXT NOT NULL,
        PRIMARY KEY (tenant_id, seq)
      );

      CREATE TABLE outbox_events (
        tenant_id   ${T} NOT NULL,
        seq         BIGINT NOT NULL,
        id          ${T} NOT NULL,
        type        ${T} NOT NULL,
        occurred_at ${T} NOT NULL,
        payload     TEXT NOT NULL,
        PRIMARY KEY (tenant_id, seq)
      );
      -- Globally unique in SQLite; a distributed table's unique index must hold the
      -- distribution column, and ids are UUIDs.
      CREATE UNIQUE INDEX outbox_events_id ON outbox_events (tenant_id, id);
    `,
  },
  {
    version: 7,
    name: 'operator tokens',
    sql: `
      CREATE TABLE operator_tokens (
        id         ${T} PRIMARY KEY,
        digest     ${T} NOT NULL,
        created_at ${T} NOT NULL,
        revoked_at ${T}
      );
    `,
  },
  {
    version: 8,
    name: 'user lifecycle',
    // As SQLite's migration 8, except that the rows are kept by explicit statements in
    // the resource writes (pg-resources.ts) rather than triggers: the SCIM body is
    // JSON text that the database does not parse (see above).
    sql: `
      ALTER TABLE tenants ADD COLUMN deprovision ${T} NOT NULL DEFAULT 'deactivate'
        CHECK (deprovision IN ('deactivate', 'delete'));

      CREATE TABLE platform_users (
        tenant_id        ${T} NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        id               ${T} NOT NULL,
        status           ${T} NOT NULL CHECK (status IN ('active', 'inactive', 'suspended')),
        managed          BOOLEAN NOT NULL,
        user_name        ${T} NOT NULL,
        name_fold        ${T},
        external_id      ${T},
        suspended_at     ${T},
        deprovisioned_at ${T},
        hidden           TEXT,
        PRIMARY KEY (tenant_id, id)
      );
      CREATE INDEX platform_users_name ON platform_users(tenant_id, name_fold);
      CREATE INDEX platform_users_hidden_external_id ON platform_users(tenant_id, external_id) WHERE hidden IS NOT NULL;
    `,
  },
  {
    version: 9,
    name: 'role permissions',
    sql: `
      CREATE TABLE platform_roles (
        tenant_id ${T} NOT NULL,
        id        ${T} NOT NULL,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, id) REFERENCES resources(tenant_id, id) ON DELETE CASCADE
      );

      CREATE TABLE role_permissions (
        tenant_id  ${T} NOT NULL,
        role_id    ${T} NOT NULL,
        permission ${T} NOT NULL,
        PRIMARY KEY (tenant_id, role_id, permission),
        FOREIGN KEY (tenant_id, role_id) REFERENCES resources(tenant_id, id) ON DELETE CASCADE
      );
    `,
  },
  {
    version: 10,
    name: 'audit retention and request statistics',
    sql: `
      CREATE INDEX audit_events_occurred ON audit_events (occurred_at);

      CREATE TABLE request_stats (
        tenant_id ${T} NOT NULL,
        hour      ${T} NOT NULL,
        requests  BIGINT NOT NULL,
        errors    BIGINT NOT NULL,
        last_at   ${T} NOT NULL,
        PRIMARY KEY (tenant_id, hour)
      );

      CREATE TABLE request_errors (
        tenant_id ${T} NOT NULL,
        id        BIGINT GENERATED ALWAYS AS IDENTITY,
        at        ${T} NOT NULL,
        status    INTEGER NOT NULL,
        method    ${T} NOT NULL,
        path      TEXT NOT NULL,
        body      TEXT NOT NULL,
        PRIMARY KEY (tenant_id, id)
      );
    `,
  },
  {
    version: 11,
    name: 'event feed and subscribers',
    // As SQLite's migration 11 (docs/events.md): `gseq` numbers every outbox row across
    // tenants from the one-row counter `event_feed`, bumped inside the write transaction.
    // Not a sequence: a sequence hands out numbers in call order, not commit order, so a
    // reader could pass a number whose transaction commits later. The counter row's lock
    // is held until commit, which serialises the writers of events: numbers are assigned
    // and made visible in commit order, gap-free (docs/storage.md "PostgreSQL").
    // Existing rows are numbered by time, then tenant and seq. The feed index is the one
    // global (not tenant-first) index: the all-tenants order is global by nature.
    sql: `
      ALTER TABLE outbox_events ADD COLUMN gseq BIGINT;
      UPDATE outbox_events o SET gseq = n.g
        FROM (SELECT tenant_id, seq, row_number() OVER (ORDER BY occurred_at, tenant_id, seq) AS g FROM outbox_events) n
        WHERE o.tenant_id = n.tenant_id AND o.seq = n.seq;
      ALTER TABLE outbox_events ALTER COLUMN gseq SET NOT NULL;
      CREATE UNIQUE INDEX outbox_events_gseq ON outbox_events (gseq);
      CREATE TABLE event_feed (
        id   INTEGER PRIMARY KEY CHECK (id = 1),
        gseq BIGINT NOT NULL
      );
      INSERT INTO event_feed (id, gseq) SELECT 1, coalesce(max(gseq), 0) FROM outbox_events;
      CREATE TABLE event_subscribers (
        name       ${T} PRIMARY KEY,
        gseq       BIGINT NOT NULL,
        updated_at ${T} NOT NULL
      );
    `,
  },
  {
    version: 12,
    name: 'api key last use',
    // As SQLite's migration 12 (docs/scim-api.md "API keys"): when each key last
    // authenticated a request, written in batches, only forward.
    sql: `
      ALTER TABLE api_keys ADD COLUMN last_used_at ${T};
    `,
  },
  PG_WEBHOOKS_MIGRATION,
]);
