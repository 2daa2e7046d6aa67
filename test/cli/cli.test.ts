/**
 * The `roster` command, spawned for real: tenants create/list/rotate-key/delete
 * against a database file shared with a running `roster serve --port 0`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { SETTINGS } from '../../src/config.ts';

const BIN = new URL('../../bin/roster', import.meta.url).pathname;
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ROSTER_') && k !== 'PORT' && k !== 'DATABASE_URL'));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function roster(args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: ENV });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The CLI in-process (same code as the binary, without a process start): for the many usage cases. */
async function rosterInProcess(args: readonly string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: ENV });
  return { code, stdout, stderr };
}

let dir: string;
let db: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'roster-cli-'));
  db = join(dir, 'sub', 'roster.db');
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('help, version and usage errors', () => {
  test('--help lists every command and every setting with its default and env var', async () => {
    const r = await roster(['--help']);
    assert.equal(r.code, 0);
    for (const c of ['serve', 'tenants create', 'tenants list', 'tenants rotate-key', 'tenants revoke-key', 'tenants delete', 'admin-token create']) assert.ok(r.stdout.includes(c), c);
    for (const s of SETTINGS) {
      assert.ok(r.stdout.includes(`--${s.flag} ${s.metavar}`), s.flag);
      assert.ok(r.stdout.includes(s.env[0] ?? ''), s.env[0]);
    }
  });

  test('help <command> lists only the settings it uses', async () => {
    const r = await roster(['help', 'tenants', 'create']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--name NAME/);
    assert.match(r.stdout, /--db FILE/);
    assert.match(r.stdout, /--public-url URL/);
    assert.doesNotMatch(r.stdout, /--body-limit/);
    const serve = await roster(['serve', '--help']);
    assert.match(serve.stdout, /--body-limit SIZE/);
  });

  test('--version', async () => {
    const r = await roster(['--version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^\d+\.\d+\.\d+/);
  });

  const usage: string[][] = [
    [],
    ['nope'],
    ['tenants'],
    ['serve', '--prot', '1'],
    ['serve', '--port', 'abc'],
    ['serve', 'extra'],
    ['tenants', 'create', '--name', 'x'],
    ['tenants', 'create', '--name', 'x', '--idp', 'myspace'],
    ['tenants', 'create', '--name', ' ', '--idp', 'okta'],
    ['tenants', 'delete'],
    ['tenants', 'delete', 'a', 'b'],
    ['tenants', 'delete', 'x', '--port', '1'],
    ['tenants', 'list', '--public-url', 'https://x/?q'],
    ['tenants', 'rotate-key', 'x', '--grace', '8d'],
    ['tenants', 'rotate-key', 'x', '--grace', 'soon'],
    ['help', 'nope'],
  ];
  test('a usage error from the real binary exits 2', async () => {
    const r = await roster(['serve', '--prot', '1']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^roster: E_USAGE: unknown option --prot/);
  });

  for (const args of usage) {
    test(`usage error, exit 2: roster ${args.join(' ')}`, async () => {
      const r = await rosterInProcess([...args, ...(args[0] === 'tenants' && args.length > 1 ? ['--db', db] : [])]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^roster: E_[A-Z_]+: /);
      assert.equal(r.stdout, '');
    });
  }
});

describe('tenants commands', () => {
  test('create --json prints one object; list never shows the key; delete; unknown id exits 1', async () => {
    const created = await roster(['tenants', 'create', '--name', 'Acme Corp', '--idp', 'okta', '--json', '--db', db, '--public-url', 'https://scim.example.com/']);
    assert.equal(created.code, 0, created.stderr);
    const t = JSON.parse(created.stdout) as Record<string, string>;
    assert.equal(created.stdout.trim().split('\n').length, 1);
    assert.equal(t.name, 'Acme Corp');
    assert.equal(t.idp, 'okta');
    assert.match(t.id ?? '', /^[a-z0-9]{20}$/);
    assert.equal(t.scimBaseUrl, `https://scim.example.com/scim/v2/${t.id}`);
    assert.match(t.apiKey ?? '', /^roster_/);

    const list = await roster(['tenants', 'list', '--json', '--db', db]);
    assert.equal(list.code, 0);
    assert.ok(!list.stdout.includes(t.apiKey ?? ''));
    const listed = (JSON.parse(list.stdout) as { tenants: { id: string; keys: { key: string; active: boolean }[] }[] }).tenants.find((x) => x.id === t.id);
    assert.ok(listed);
    assert.equal(listed.keys.length, 1);
    assert.ok(listed.keys[0]?.key.endsWith((t.apiKey ?? '').slice(-4)));
    const text = await roster(['tenants', 'list', '--db', db]);
    assert.ok(text.stdout.includes(t.id ?? '') && !text.stdout.includes(t.apiKey ?? ''));

    const human = await roster(['tenants', 'create', '--name', 'Beta', '--idp', 'entra', '--db', db]);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /API key: +roster_/);
    assert.match(human.stdout, /shown only this once/);

    const del = await roster(['tenants', 'delete', t.id ?? '', '--db', db]);
    assert.equal(del.code, 0, del.stderr);
    const again = await roster(['tenants', 'delete', t.id ?? '', '--db', db]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /E_TENANT_NOT_FOUND/);
    const rot = await roster(['tenants', 'rotate-key', 'nosuchtenant', '--db', db]);
    assert.equal(rot.code, 1);
  });
});

describe('beside a running roster serve', () => {
  let server: ChildProcessWithoutNullStreams;
  let url: string;
  const logs: string[] = [];
  before(async () => {
    server = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--db', db, '--shutdown-timeout', '2s'], { env: ENV });
    let stderr = '';
    server.stderr.on('data', (d) => (stderr += d));
    const lines = createInterface({ input: server.stdout });
    const first = await new Promise<string>((resolve, reject) => {
      lines.on('line', (l) => {
        if (logs.length === 0) resolve(l);
        logs.push(l);
      });
      server.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
    });
    const line = JSON.parse(first) as { port: number; msg: string; url: string };
    assert.match(line.msg, /listening/);
    assert.ok(line.port > 0);
    url = `http://127.0.0.1:${line.port}`;
  });
  after(async () => {
    if (server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
  });

  const status = async (base: string, key: string): Promise<number> =>
    (await fetch(`${base}/Users`, { headers: { authorization: `Bearer ${key}` } })).status;

  test('tenants create and list print the URL the running server serves (its real port), unless --public-url', async () => {
    const port = new URL(url).port;
    const created = JSON.parse((await roster(['tenants', 'create', '--name', 'Port', '--idp', 'okta', '--json', '--db', db])).stdout) as { id: string; scimBaseUrl: string; apiKey: string };
    assert.equal(created.scimBaseUrl, `http://localhost:${port}/scim/v2/${created.id}`);
    assert.equal(await status(created.scimBaseUrl.replace('localhost', '127.0.0.1'), created.apiKey), 200);
    const listed = JSON.parse((await roster(['tenants', 'list', '--json', '--db', db])).stdout) as { tenants: { id: string; scimBaseUrl: string }[] };
    assert.equal(listed.tenants.find((t) => t.id === created.id)?.scimBaseUrl, created.scimBaseUrl);
    const given = JSON.parse((await roster(['tenants', 'create', '--name', 'Given', '--idp', 'okta', '--json', '--db', db, '--public-url', 'https://scim.example.com'])).stdout) as { id: string; scimBaseUrl: string };
    assert.equal(given.scimBaseUrl, `https://scim.example.com/scim/v2/${given.id}`);
  });

  test('AU-6, AU-7: a key from tenants create works at once in a running server; rotate-key from another process; grace; delete → 401', async () => {
    const created = JSON.parse((await roster(['tenants', 'create', '--name', 'Live', '--idp', 'okta', '--json', '--db', db])).stdout) as { id: string; apiKey: string };
    const base = `${url}/scim/v2/${created.id}`;
    assert.equal(await status(base, created.apiKey), 200);
    assert.equal(await status(`${url}/scim/v2`, created.apiKey), 200);

    const rotated = await roster(['tenants', 'rotate-key', created.id, '--json', '--db', db]);
    assert.equal(rotated.code, 0, rotated.stderr);
    const k2 = (JSON.parse(rotated.stdout) as { apiKey: string }).apiKey;
    assert.equal(await status(base, created.apiKey), 401);
    assert.equal(await status(base, k2), 200);

    const graced = await roster(['tenants', 'rotate-key', created.id, '--grace', '1h', '--json', '--db', db]);
    assert.equal(graced.code, 0, graced.stderr);
    const g = JSON.parse(graced.stdout) as { apiKey: string; previousKeysExpireAt: string };
    assert.ok(Date.parse(g.previousKeysExpireAt) > Date.now() + 50 * 60_000);
    assert.equal(await status(base, k2), 200, 'old key still works during the grace');
    assert.equal(await status(base, g.apiKey), 200);

    assert.equal((await roster(['tenants', 'delete', created.id, '--db', db])).code, 0);
    assert.equal(await status(base, g.apiKey), 401);
    assert.equal(await status(base, k2), 401);
  });

  test('revoke-key from another process: every key of the tenant gets 401 on the next request, no new key; other tenants unaffected', async () => {
    const created = JSON.parse((await roster(['tenants', 'create', '--name', 'Revoked', '--idp', 'entra', '--json', '--db', db])).stdout) as { id: string; apiKey: string };
    const other = JSON.parse((await roster(['tenants', 'create', '--name', 'Kept', '--idp', 'okta', '--json', '--db', db])).stdout) as { id: string; apiKey: string };
    const graced = JSON.parse((await roster(['tenants', 'rotate-key', created.id, '--grace', '1h', '--json', '--db', db])).stdout) as { apiKey: string };
    const base = `${url}/scim/v2/${created.id}`;
    assert.equal(await status(base, created.apiKey), 200);
    assert.equal(await status(base, graced.apiKey), 200);

    const revoked = await roster(['tenants', 'revoke-key', created.id, '--json', '--db', db]);
    assert.equal(revoked.code, 0, revoked.stderr);
    const out = JSON.parse(revoked.stdout) as { id: string; revokedAt: string; revoked: { key: string }[] };
    assert.equal(out.id, created.id);
    assert.equal(out.revoked.length, 2);
    for (const k of out.revoked) assert.match(k.key, /^roster_[0-9A-Za-z]{16}_…[0-9A-Za-z]{4}$/);
    assert.ok(!revoked.stdout.includes(created.apiKey) && !revoked.stdout.includes(graced.apiKey));
    assert.equal(await status(base, created.apiKey), 401);
    assert.equal(await status(base, graced.apiKey), 401);
    assert.equal(await status(`${url}/scim/v2`, graced.apiKey), 401);
    assert.equal(await status(`${url}/scim/v2/${other.id}`, other.apiKey), 200);

    const human = await roster(['tenants', 'revoke-key', created.id, '--db', db]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /nothing was revoked/);
    const list = JSON.parse((await roster(['tenants', 'list', '--json', '--db', db])).stdout) as { tenants: { id: string; keys: { active: boolean }[] }[] };
    assert.deepEqual(list.tenants.find((t) => t.id === created.id)?.keys.map((k) => k.active), [false, false]);
    const missing = await roster(['tenants', 'revoke-key', 'nosuchtenant', '--db', db]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^roster: E_TENANT_NOT_FOUND: /);
  });

  test('admin-token create: the token opens the admin API of a running server at once, never SCIM', async () => {
    const t = JSON.parse((await roster(['tenants', 'create', '--name', 'Admin seen', '--idp', 'generic', '--json', '--db', db])).stdout) as { id: string; apiKey: string };
    const r = await roster(['admin-token', 'create', '--json', '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    const { token } = JSON.parse(r.stdout) as { token: string };
    const auth = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });
    const listed = await fetch(`${url}/api/v1/tenants`, auth(token));
    assert.equal(listed.status, 200);
    const body = (await listed.json()) as { tenants: { id: string }[] };
    assert.ok(body.tenants.some((x) => x.id === t.id));
    assert.ok(!JSON.stringify(body).includes(t.apiKey));
    assert.equal((await fetch(`${url}/api/v1/tenants`, auth(t.apiKey))).status, 401, 'a SCIM key is not an operator token');
    assert.equal(await status(`${url}/scim/v2`, token), 401, 'an operator token is not a SCIM key');
    const human = await roster(['admin-token', 'create', '--db', db]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /roster_op_\w+/);
  });

  test('serve logs where it listens, the SCIM URL, how to create a client, and the durability', async () => {
    const all = logs.join('\n');
    assert.match(all, /roster tenants create --name NAME --idp IDP/);
    assert.match(all, /"synchronous":"FULL"/);
  });

  test('SIGTERM stops the server with exit code 0', async () => {
    const exited = new Promise<number | null>((r) => server.once('exit', (code) => r(code)));
    server.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(logs.join('\n'), /Stopped/);
  });
});

describe('database file permissions (docs/storage.md, File permissions)', () => {
  test('tenants create makes the database owner-only; serve warns about a database file others can read', async () => {
    const own = join(dir, 'perm', 'roster.db');
    const created = await roster(['tenants', 'create', '--name', 'Perm', '--idp', 'okta', '--db', own]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal((statSync(join(dir, 'perm')).mode & 0o777).toString(8), '700');
    assert.equal((statSync(own).mode & 0o777).toString(8), '600');

    const loose = join(dir, 'loose.db');
    writeFileSync(loose, '');
    chmodSync(loose, 0o644);
    const server = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--db', loose], { env: ENV });
    const exited = new Promise((r) => server.once('exit', r));
    try {
      const warning = await new Promise<{ level: string; file: string; mode: string }>((resolve, reject) => {
        createInterface({ input: server.stdout }).on('line', (l) => {
          const line = JSON.parse(l) as { level: string; file?: string; mode: string };
          if (line.level === 'warn' && line.file === loose) resolve(line as { level: string; file: string; mode: string });
          else if (/^SQLite synchronous/.test((line as { msg?: string }).msg ?? '')) setTimeout(() => reject(new Error('no warning')), 200);
        });
        server.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
      });
      assert.equal(warning.mode, '0644');
      assert.equal((statSync(loose).mode & 0o777).toString(8), '644', 'an existing file is not changed');
    } finally {
      server.kill('SIGTERM');
      await exited;
    }
  });
});
