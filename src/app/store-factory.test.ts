/** Which store a configuration opens (docs/storage.md): SQLite by default, PostgreSQL for a postgres URL. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { databaseLabel, STORE_KINDS, storeKindOf } from './store-factory.ts';

const base = { db: './data/roster.db', sqliteSynchronous: 'FULL' as const, sqliteBusyTimeoutMs: 5000 };

describe('store factory', () => {
  it('picks SQLite without a database URL and PostgreSQL for postgres: and postgresql: URLs', () => {
    assert.equal(storeKindOf(base), 'sqlite');
    assert.equal(storeKindOf({ ...base, databaseUrl: null }), 'sqlite');
    assert.equal(storeKindOf({ ...base, databaseUrl: 'postgres://u@h/db' }), 'postgres');
    assert.equal(storeKindOf({ ...base, databaseUrl: 'postgresql://u@h/db' }), 'postgres');
    assert.ok(STORE_KINDS.has('postgres') && STORE_KINDS.has('sqlite'));
  });

  it('names the database without its password', () => {
    assert.equal(databaseLabel(base), './data/roster.db');
    const label = databaseLabel({ ...base, databaseUrl: 'postgres://roster:hunter2@db.internal:5432/roster' });
    assert.ok(!label.includes('hunter2') && label.includes('db.internal'), label);
  });
});
