/**
 * "Nothing else opens write transactions" (docs/audit.md): outside the store itself
 * and the unit of work, no source file calls `.transaction(` — every change goes
 * through `runUnitOfWork`, which writes its audit row and outbox events.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.includes('test-helper')) out.push(p);
  }
  return out;
}

/** The store implements transactions (and its contract tests them); the unit of work is their one user. */
const ALLOWED = (file: string): boolean => file.startsWith('src/store/') || file === 'src/directory/unit-of-work.ts';

test('only the unit of work opens write transactions', () => {
  const files = sources(join(root, 'src')).map((f) => relative(root, f));
  assert.ok(files.includes('src/directory/resources.ts'), 'the scan sees the sources');
  const offenders = files.filter((f) => !ALLOWED(f) && /\.transaction\s*\(/.test(readFileSync(join(root, f), 'utf8')));
  assert.deepEqual(offenders, []);
});
