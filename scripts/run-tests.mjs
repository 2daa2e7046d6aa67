#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node's test runner (through tsx),
// streams its TAP output, and ends with one line CI can read: "N passed, N failed".
// Node 20 does not expand globs itself, so the files are found here.
// Usage: node scripts/run-tests.mjs [substring ...]  (only files whose path contains one)
//
// Two passes (docs/storage.md "Testing on PostgreSQL"): every file once, then, when
// STORES (default "sqlite,postgres") names postgres, the HTTP suite and the
// identity-provider replays (test/http, test/conformance) again with TEST_STORE=postgres,
// which makes test/helpers/server.ts open each server on a fresh PostgreSQL database.
// That pass shares ONE PostgreSQL (scripts/test-postgres.ts: embedded, or DATABASE_URL
// when set), started here and stopped at the end or on SIGINT/SIGTERM. The last line
// sums both passes.
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
const stores = (process.env.STORES ?? 'sqlite,postgres').split(',').map((s) => s.trim().toLowerCase());
/** The files whose tests depend on the store behind the HTTP server. */
const PER_STORE = ['test/http/', 'test/conformance/'];
const pgFiles = stores.includes('postgres') ? files.filter((f) => PER_STORE.some((d) => f.startsWith(d))) : [];

let pass = 0;
let fail = 0;
const children = new Set();
let pgHelper;

/** Runs the files in one `node --test`; resolves with its exit code, counts added. */
function runPass(list, env) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=tap', `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`, ...list],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env },
    );
    children.add(child);
    let p = 0;
    let f = 0;
    let buf = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      buf += chunk.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const m = /^# (pass|fail) (\d+)$/.exec(line);
        if (m?.[1] === 'pass') p = Number(m[2]);
        else if (m?.[1] === 'fail') f = Number(m[2]);
      }
    });
    child.on('close', (code) => {
      children.delete(child);
      if (code !== 0 && f === 0) f = 1;
      pass += p;
      fail += f;
      resolve(code ?? 1);
    });
  });
}

/** Starts the run's PostgreSQL; resolves with its admin URL. */
function startPostgres() {
  return new Promise((resolve, reject) => {
    pgHelper = spawn(process.execPath, ['--import', 'tsx', 'scripts/test-postgres.ts'], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    pgHelper.stdout.on('data', (d) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)).adminUrl);
    });
    pgHelper.once('exit', (code) => reject(new Error(`test PostgreSQL exited (${code}) before it was ready`)));
  });
}

function stopPostgres() {
  if (pgHelper === undefined || pgHelper.exitCode !== null || pgHelper.signalCode !== null) return Promise.resolve();
  const done = new Promise((r) => pgHelper.once('exit', r));
  pgHelper.stdin.end(); // the helper stops its cluster when stdin closes
  return done;
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const c of children) c.kill(sig);
    void stopPostgres().finally(() => process.exit(1));
  });
}

let code = await runPass(files, process.env);
if (pgFiles.length > 0) {
  console.log(`# PostgreSQL pass: ${pgFiles.length} files with TEST_STORE=postgres`);
  try {
    const adminUrl = await startPostgres();
    const c = await runPass(pgFiles, { ...process.env, TEST_STORE: 'postgres', DATABASE_URL: adminUrl });
    if (c !== 0) code = c;
  } catch (e) {
    console.log(`# ${e.message}`);
    fail += 1;
    code = 1;
  } finally {
    await stopPostgres();
  }
}
console.log(`${pass} passed, ${fail} failed`);
process.exit(code === 0 && fail === 0 && pass > 0 ? 0 : 1);
