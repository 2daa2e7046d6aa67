/** docs/configuration.md and docs/cli.md agree with the settings table and the error catalogue. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CLI_ERRORS } from '../../src/cli/errors.ts';
import { configurationTable } from '../../src/cli/config-doc.ts';
import { SETTINGS } from '../../src/config.ts';
import { crc32, generateApiKey } from '../../src/tenants/api-keys.ts';

const read = (name: string): string => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');

test('docs/configuration.md contains the generated settings table', () => {
  const doc = read('configuration.md');
  assert.ok(doc.includes(configurationTable()), 'regenerate the table: see src/cli/config-doc.ts');
  for (const s of SETTINGS) {
    assert.ok(doc.includes(`--${s.flag}`), s.flag);
    for (const e of s.env) assert.ok(doc.includes(e), e);
  }
});

test('docs/cli.md lists every error code with its exit code', () => {
  const doc = read('cli.md');
  for (const [code, { exit }] of Object.entries(CLI_ERRORS)) assert.ok(doc.includes(`| \`${code}\` | ${exit} |`), code);
});

test('SECURITY.md: the published key pattern and checksum recipe match real keys', () => {
  const doc = readFileSync(new URL('../../SECURITY.md', import.meta.url), 'utf8');
  const m = /```\n(\\broster_[^\n]+)\n```/.exec(doc);
  assert.ok(m?.[1], 'SECURITY.md shows the key pattern in a code block');
  const pattern = new RegExp(m[1]);
  const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  for (let i = 0; i < 50; i++) {
    const { plaintext } = generateApiKey('t');
    assert.ok(pattern.test(`token=${plaintext};`), plaintext);
    // The recipe a scanner follows: CRC-32 of all but the last six characters, base62, six digits.
    let n = crc32(plaintext.slice(0, -6));
    let check = '';
    for (let d = 0; d < 6; d++) {
      check = base62[n % 62] + check;
      n = Math.floor(n / 62);
    }
    assert.equal(check, plaintext.slice(-6));
  }
  assert.ok(!pattern.test('roster_short_key'));
});
