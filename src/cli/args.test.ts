import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs } from './args.ts';
import { CliError } from './errors.ts';

const spec = {
  options: [{ flag: 'name', metavar: 'NAME', description: '' }, { flag: 'json', description: '' }],
  settings: ['db', 'publicUrl'] as const,
};

test('splits options, positionals and setting flags', () => {
  const a = parseArgs(['ID', '--name', 'Acme Inc', '--json', '--db=x.db', '--public-url', 'https://a'], spec);
  assert.deepEqual(a.options, { name: 'Acme Inc', json: true });
  assert.deepEqual(a.positionals, ['ID']);
  assert.deepEqual(a.settingArgs, ['--db', 'x.db', '--public-url', 'https://a']);
  assert.equal(a.help, false);
  assert.equal(parseArgs(['-h'], spec).help, true);
  assert.deepEqual(parseArgs(['--', '--json'], spec).positionals, ['--json']);
});

for (const argv of [['--port', '1'], ['--nope'], ['-x'], ['--json=1'], ['--name'], ['--name', 'a', '--name', 'b']]) {
  test(`usage error: ${argv.join(' ')}`, () => {
    assert.throws(() => parseArgs(argv, spec), (e: unknown) => e instanceof CliError && e.code === 'E_USAGE' && e.exitCode === 2);
  });
}
