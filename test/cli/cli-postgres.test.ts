/**
 * The `roster` tenants commands on PostgreSQL (`--database-url`, docs/storage.md
 * "PostgreSQL"): every command that takes `--db` takes `--database-url`, and the
 * database they share is the URL's, not a file. In-process (the same code as the binary).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { storeKinds, testPostgres } from '../../src/store/test-stores.test-support.ts';

const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ROSTER_') && k !== 'PORT' && k !== 'DATABASE_URL'));

async function roster(args: readonly string[], env: Record<string, string | undefined> = ENV): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env });
  return { code, stdout, stderr };
}

describe('tenants commands with --database-url', { skip: !storeKinds().includes('postgres') }, () => {
  test('create, list, rotate-key, revoke-key and delete share the PostgreSQL database', async () => {
    const url = await (await testPostgres()).freshDatabaseUrl();
    const created = await roster(['tenants', 'create', '--name', 'Acme', '--idp', 'okta', '--json', '--database-url', url]);
    assert.equal(created.code, 0, created.stderr);
    const t = JSON.parse(created.stdout) as { id: string; apiKey: string };
    // DATABASE_URL in the environment names the same database.
    const list = await roster(['tenants', 'list', '--json'], { ...ENV, DATABASE_URL: url });
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual((JSON.parse(list.stdout) as { tenants: { id: string }[] }).tenants.map((x) => x.id), [t.id]);
    assert.equal((await roster(['tenants', 'rotate-key', t.id, '--database-url', url])).code, 0);
    const revoked = await roster(['tenants', 'revoke-key', t.id, '--json', '--database-url', url]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal((await roster(['tenants', 'delete', t.id, '--database-url', url])).code, 0);
    const again = await roster(['tenants', 'delete', t.id, '--database-url', url]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /E_TENANT_NOT_FOUND/);
  });

  test('a URL that is not postgres:// is a usage error; an unreachable server is a database error without the password', async () => {
    const bad = await roster(['tenants', 'list', '--database-url', 'mysql://u:p@h/db']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /postgres:\/\/ or postgresql:\/\//);
    const down = await roster(['tenants', 'list', '--database-url', 'postgres://roster:s3cret@127.0.0.1:1/none', '--pg-connect-timeout', '1s']);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /E_DATABASE/);
    assert.ok(!down.stderr.includes('s3cret'), down.stderr);
  });
});
