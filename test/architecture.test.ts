// The dependency shape of src/ (README.md "Layout", docs/principles.md): every import of
// every src/**/*.ts is read, and a cycle, a wrong-way import between layers, or a
// test-only module in the published build fails the test with the offending files.
// eslint.config.js guards the same layer rules while editing; this test also sees
// cycles, dynamic imports and the build's file list, which lint does not.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '..');
const srcDir = join(root, 'src');

/** The modules the package publishes: the library entry, the admin client (`roster-scim/client`) and the `roster` command. */
const ENTRIES = ['index.ts', 'client/index.ts', 'cli/main.ts'];
/** Modules only tests use: kept out of `dist/` by `tsconfig.build.json`. */
const TEST_ONLY = /\.test(-support)?\.ts$/;
/**
 * Maintainers' tools run from the sources, reached from no entry and used by no
 * published module, yet not test-only: `config-doc.ts` regenerates the table of
 * docs/configuration.md (and test/cli/docs.test.ts checks it).
 */
const TOOLS: readonly string[] = ['cli/config-doc.ts'];

/**
 * Layer rules, by the first folder under src/ (a file directly in src/ is its own layer,
 * e.g. `config`). `only`: the layers it may import besides itself; `never`: those it may not.
 */
const RULES: Readonly<Record<string, { only?: readonly string[]; never?: readonly string[] }>> = {
  scim: { only: [] },
  // The admin client runs in another process than the server: it imports nothing of ours.
  client: { only: [] },
  domain: { only: ['scim'] },
  compat: { only: ['scim', 'domain'] },
  store: { only: ['scim', 'domain'] },
  directory: { never: ['http', 'cli'] },
  tenants: { never: ['http', 'cli'] },
  webhooks: { never: ['http', 'app', 'cli'] },
  http: { never: ['cli'] },
  app: { never: ['cli'] },
  config: { never: ['cli'] },
  'config-parsers': { never: ['cli'] },
  index: { never: ['cli'] },
};

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listTs(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(relative(srcDir, p));
  }
  return out.sort();
}

/**
 * The src/-relative modules a file refers to: static and dynamic imports, re-exports
 * (read by the TypeScript scanner, so comments and strings are not mistaken for
 * imports) and `new URL('./x.ts', import.meta.url)` (a module run as a child process).
 */
function referencesOf(file: string): { to: string; spec: string }[] {
  const text = readFileSync(join(srcDir, file), 'utf8');
  const specs = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
  for (const m of text.matchAll(/new URL\(\s*'(\.\.?\/[^']+\.ts)'\s*,\s*import\.meta\.url\s*\)/g)) specs.push(m[1]!);
  return specs
    .filter((spec) => spec.startsWith('./') || spec.startsWith('../'))
    .map((spec) => ({ spec, to: relative(srcDir, resolve(srcDir, dirname(file), spec)) }));
}

function layerOf(file: string): string {
  const i = file.indexOf('/');
  return i < 0 ? file.replace(/\.ts$/, '') : file.slice(0, i);
}

const files = listTs(srcDir);
const graph = new Map<string, string[]>(files.map((f) => [f, referencesOf(f).map((r) => r.to)]));

/** Every cycle's members (strongly connected components of more than one module, or a self-import). */
function cycles(): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(scc.sort());
    }
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return found;
}

function reachableFrom(entries: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...entries];
  while (todo.length > 0) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    todo.push(...(graph.get(f) ?? []));
  }
  return seen;
}

describe('architecture: the dependency shape of src/', () => {
  it('every relative import resolves to a module under src/', () => {
    const bad: string[] = [];
    for (const f of files) {
      for (const r of referencesOf(f)) {
        if (r.to.startsWith('..') || !existsSync(join(srcDir, r.to))) bad.push(`${f} → '${r.spec}'`);
      }
    }
    assert.deepEqual(bad, [], `imports that resolve to no module under src/:\n  ${bad.join('\n  ')}`);
  });

  it('has no import cycle', () => {
    const found = cycles();
    assert.deepEqual(found, [], `import cycles (each line: the modules of one cycle):\n  ${found.map((c) => c.join(' ↔ ')).join('\n  ')}`);
  });

  it('imports point only the allowed ways between layers', () => {
    const bad: string[] = [];
    for (const f of files) {
      const from = layerOf(f);
      const rule = RULES[from];
      if (rule === undefined) continue;
      for (const to of new Set((graph.get(f) ?? []).map(layerOf))) {
        if (to === from) continue;
        if ((rule.only !== undefined && !rule.only.includes(to)) || rule.never?.includes(to)) bad.push(`src/${f} imports src/${to}`);
      }
    }
    assert.deepEqual(bad, [], `imports against the layer rules (README.md "Layout"):\n  ${bad.join('\n  ')}`);
  });

  it('the published modules reach no test-only module, and every test-only module is named so', () => {
    const published = reachableFrom(ENTRIES);
    for (const e of ENTRIES) assert.ok(graph.has(e), `entry src/${e} exists`);
    const leaked = [...published].filter((f) => TEST_ONLY.test(f));
    assert.deepEqual(leaked, [], `test-only modules reachable from ${ENTRIES.join(', ')}:\n  ${leaked.join('\n  ')}`);
    const unnamed = files.filter((f) => !published.has(f) && !TEST_ONLY.test(f) && !TOOLS.includes(f));
    assert.deepEqual(
      unnamed,
      [],
      `modules only tests use must end in .test-support.ts (tsconfig.build.json excludes them):\n  ${unnamed.join('\n  ')}`,
    );
  });

  it('tsconfig.build.json compiles every published module and no test-only one', () => {
    const configPath = join(root, 'tsconfig.build.json');
    const read = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
    assert.equal(read.error, undefined);
    const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root, undefined, configPath);
    const built = new Set(parsed.fileNames.map((p) => relative(srcDir, p)));
    const testOnly = [...built].filter((f) => TEST_ONLY.test(f));
    assert.deepEqual(testOnly, [], `test-only modules compiled into dist/:\n  ${testOnly.join('\n  ')}`);
    const missing = [...reachableFrom(ENTRIES)].filter((f) => !built.has(f));
    assert.deepEqual(missing, [], `published modules missing from the build:\n  ${missing.join('\n  ')}`);
  });
});
