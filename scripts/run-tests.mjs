#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node's test runner (through tsx),
// streams its TAP output, and ends with one line CI can read: "N passed, N failed".
// Node 20 does not expand globs itself, so the files are found here.
// Usage: node scripts/run-tests.mjs [substring ...]  (only files whose path contains one)
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
function find(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...find(p));
    else if (e.name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}
const filters = process.argv.slice(2);
const files = [...find(join(root, 'src')), ...find(join(root, 'test'))]
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.log('no test files found');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=tap', `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`, ...files],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
);
let pass = 0;
let fail = 0;
let buf = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  buf += chunk.toString();
  let i;
  while ((i = buf.indexOf('\n')) >= 0) {
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    const m = /^# (pass|fail) (\d+)$/.exec(line);
    if (m?.[1] === 'pass') pass = Number(m[2]);
    else if (m?.[1] === 'fail') fail = Number(m[2]);
  }
});
child.on('close', (code) => {
  if (code !== 0 && fail === 0) fail = 1;
  console.log(`${pass} passed, ${fail} failed`);
  process.exit(code === 0 && fail === 0 && pass > 0 ? 0 : 1);
});
