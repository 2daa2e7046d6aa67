import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, DEFAULTS, SETTINGS, loadConfig, resolvePublicUrl } from './config.ts';

test('defaults load and are frozen', () => {
  const c = loadConfig({ env: {} });
  assert.equal(c.port, 8080);
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.bodyLimit, 1024 * 1024);
  assert.equal(c.sqliteSynchronous, 'FULL');
  assert.equal(c.keyMaxGraceMs, 7 * 86_400_000);
  assert.ok(Object.isFrozen(c));
  assert.deepEqual({ ...c }, { ...DEFAULTS });
});

test('every setting has a unique flag and env vars, and its default survives its own parser', () => {
  const flags = new Set<string>();
  for (const s of SETTINGS) {
    assert.ok(!flags.has(s.flag), s.flag);
    flags.add(s.flag);
    assert.ok(s.env.length > 0 && s.env.every((e) => /^[A-Z_]+$/.test(e)), s.key);
    assert.ok(s.description.length > 10, s.key);
    if (s.default !== null) assert.deepEqual(s.parse(s.defaultText), s.default, s.key);
  }
});

test('flags beat environment variables, ROSTER_PORT beats PORT', () => {
  assert.equal(loadConfig({ env: { PORT: '9000' } }).port, 9000);
  assert.equal(loadConfig({ env: { PORT: '9000', ROSTER_PORT: '9001' } }).port, 9001);
  assert.equal(loadConfig({ argv: ['--port', '9002'], env: { ROSTER_PORT: '9001' } }).port, 9002);
  assert.equal(loadConfig({ argv: ['--port=0'], env: {} }).port, 0);
});

const valid: [string[], Partial<Record<string, unknown>>][] = [
  [['--body-limit', '512k'], { bodyLimit: 512 * 1024 }],
  [['--body-limit', '2MiB'], { bodyLimit: 2 * 1024 * 1024 }],
  [['--request-timeout', '1m', '--headers-timeout', '500ms'], { requestTimeoutMs: 60_000, headersTimeoutMs: 500 }],
  [['--shutdown-timeout', '0'], { shutdownTimeoutMs: 0 }],
  [['--key-max-grace', '3600'], { keyMaxGraceMs: 3_600_000 }],
  [['--log-level', 'DEBUG'], { logLevel: 'debug' }],
  [['--sqlite-synchronous', 'normal'], { sqliteSynchronous: 'NORMAL' }],
  [['--public-url', 'https://scim.example.com/base/'], { publicUrl: 'https://scim.example.com/base' }],
  [['--host', '::'], { host: '::' }],
];
for (const [argv, expected] of valid) {
  test(`accepts ${argv.join(' ')}`, () => {
    const c = loadConfig({ argv, env: {} }) as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(expected)) assert.deepEqual(c[k], v);
  });
}

const invalid: [string[], Record<string, string>, RegExp][] = [
  [['--prot', '1'], {}, /unknown option --prot/],
  [['--port'], {}, /needs a value/],
  [['--port', '65536'], {}, /invalid --port/],
  [['--port', '-1'], {}, /invalid --port/],
  [['--port', '80', '--port', '81'], {}, /given twice/],
  [['serve'], {}, /unexpected argument/],
  [[], { ROSTER_PORT: 'x' }, /invalid ROSTER_PORT/],
  [[], { ROSTER_PROT: '1' }, /unknown environment variable ROSTER_PROT/],
  [['--public-url', 'ftp://x'], {}, /http or https/],
  [['--public-url', 'https://x/?a=1'], {}, /query string/],
  [['--public-url', 'https://x/#f'], {}, /query string or fragment/],
  [['--public-url', 'https://u:p@x'], {}, /credentials/],
  [['--public-url', 'not a url'], {}, /absolute/],
  [['--body-limit', '1 parsec'], {}, /invalid --body-limit/],
  [['--default-page-size', '2000'], {}, /must not exceed --max-results/],
  [['--headers-timeout', '1m', '--request-timeout', '30s'], {}, /must not exceed --request-timeout/],
  [['--log-level', 'loud'], {}, /expected one of/],
  [['--sqlite-synchronous', 'OFF'], {}, /expected one of FULL, NORMAL/],
];
for (const [argv, env, message] of invalid) {
  test(`rejects ${argv.join(' ') || JSON.stringify(env)}`, () => {
    assert.throws(() => loadConfig({ argv, env }), (e: unknown) => e instanceof ConfigError && message.test(e.message));
  });
}

test('only: flags of settings a command does not use are unknown', () => {
  assert.throws(() => loadConfig({ argv: ['--port', '1'], env: {}, only: ['db'] }), /unknown option --port/);
  assert.equal(loadConfig({ argv: ['--db', 'x.db'], env: {}, only: ['db'] }).db, 'x.db');
});

test('public URL defaults to localhost and the actual port', () => {
  const c = loadConfig({ env: {} });
  assert.equal(resolvePublicUrl(c), 'http://localhost:8080');
  assert.equal(resolvePublicUrl(c, 4321), 'http://localhost:4321');
  assert.equal(resolvePublicUrl(loadConfig({ env: { ROSTER_PUBLIC_URL: 'https://a.example' } }), 1), 'https://a.example');
});

test('--permissions reads and checks the catalogue file at start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roster-config-'));
  try {
    const file = (name: string, text: string): string => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    assert.deepEqual(loadConfig({ env: {} }).permissions, []);
    const ok = file('ok.json', JSON.stringify([{ name: 'billing.read', description: 'See invoices' }]));
    assert.deepEqual(loadConfig({ argv: ['--permissions', ok] }).permissions, [{ name: 'billing.read', description: 'See invoices' }]);
    assert.deepEqual(loadConfig({ env: { ROSTER_PERMISSIONS: ok } }).permissions.map((p) => p.name), ['billing.read']);
    for (const bad of ['{}', 'not json', '[{"name":"a b","description":""}]', '[{"name":"a","description":""},{"name":"a","description":""}]', '[{"name":"a"}]', '[{"name":"a","description":"","x":1}]']) {
      assert.throws(() => loadConfig({ argv: ['--permissions', file('bad.json', bad)] }), ConfigError, bad);
    }
    assert.throws(() => loadConfig({ argv: ['--permissions', join(dir, 'missing.json')] }), ConfigError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
