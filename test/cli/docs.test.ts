/** docs/configuration.md and docs/cli.md agree with the settings table and the error catalogue. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CLI_ERRORS } from '../../src/cli/errors.ts';
import { configurationTable } from '../../src/cli/config-doc.ts';
import { SETTINGS } from '../../src/config.ts';

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
