/**
 * The statement cache (docs/storage.md "Prepared statements"): fixed statements are
 * never evicted; compiled ones live in an LRU bounded by SQL bytes and entries.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { StatementCache } from './connection.ts';

const db = new Database(':memory:');
after(() => db.close());

/** A distinct statement of about `pad` bytes of SQL. */
const oneOff = (i: number, pad = 200): string => `SELECT ${i} AS n WHERE '${'x'.repeat(pad)}' IS NOT NULL`;

describe('StatementCache', () => {
  it('a stream of one-off statements stays under the byte and entry bounds and never evicts a fixed statement', () => {
    const cache = new StatementCache(db, 4096, 10);
    const key = cache.get('SELECT 1 AS key_lookup');
    for (let i = 0; i < 1000; i++) {
      cache.compiled(oneOff(i, 100 + (i % 300)));
      const s = cache.stats();
      assert.ok(s.compiledBytes <= 4096, `${s.compiledBytes} bytes`);
      assert.ok(s.compiled <= 10, `${s.compiled} statements`);
    }
    // The same prepared object: not evicted, not prepared again.
    assert.equal(cache.get('SELECT 1 AS key_lookup'), key);
    assert.equal(cache.stats().fixed, 1);
  });

  it('evicts the least recently used compiled statement; a hot one stays', () => {
    const cache = new StatementCache(db, 4096, 5);
    const hot = cache.compiled('SELECT 42 AS hot');
    for (let i = 0; i < 100; i++) {
      cache.compiled(oneOff(i));
      assert.equal(cache.compiled('SELECT 42 AS hot'), hot, `evicted after ${i} one-offs`);
    }
  });

  it('a statement larger than an eighth of the budget is prepared but not kept', () => {
    const cache = new StatementCache(db, 4096, 10);
    const big = oneOff(1, 1000);
    const s = cache.compiled(big);
    assert.deepEqual(s.get(), { n: 1 });
    assert.deepEqual(cache.stats(), { fixed: 0, compiled: 0, compiledBytes: 0, maxCompiledBytes: 4096 });
    const small = cache.compiled(oneOff(2, 10));
    assert.equal(cache.compiled(oneOff(2, 10)), small);
    assert.equal(cache.stats().compiled, 1);
  });
});
