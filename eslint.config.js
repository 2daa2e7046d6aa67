// Lint rules: typescript-eslint's recommended set plus a few that guard this codebase.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// `crypto.hash` exists only from Node 20.12; package.json `engines` promises every 20.x,
// where it is undefined and each call throws. Use createHash(...).update(...).digest().
const NO_CRYPTO_HASH = {
  paths: [
    { name: 'node:crypto', importNames: ['hash'], message: 'crypto.hash needs Node >= 20.12; use createHash().' },
    { name: 'crypto', importNames: ['hash'], message: 'crypto.hash needs Node >= 20.12; use createHash().' },
  ],
};

// The dependency shape of src/ (README.md "Layout"; test/architecture.test.ts checks the
// same rules over the whole import graph, plus cycles). A relative import leaves a layer
// folder when it climbs as many `../` as the file is deep, so each rule is stated per depth.
const MAX_DEPTH = 4;
// The protocol core and the domain are pure: no I/O, no HTTP, no database (docs/principles.md rule 1).
const NO_IO = [{ group: ['node:fs*', 'node:http*', 'node:net', 'better-sqlite3', 'pg'], message: 'No I/O here (docs/principles.md rule 1).' }];

/**
 * `no-restricted-imports` for the files of `src/<layer>/`: with `only`, imports outside
 * the layer may reach just those layers (nothing else of ours, not even `src/config.ts`);
 * with `never`, they may not reach those layers.
 */
function layerRule(layer, { only, never, patterns = [] }) {
  const list = (ls) => ls.map((l) => `src/${l}`).join(', ');
  const what = only === undefined ? `may not import ${list(never)}` : only.length > 0 ? `may import only ${list(only)} of ours` : 'imports nothing else of ours';
  const message = `src/${layer} ${what} (README.md "Layout").`;
  return Array.from({ length: MAX_DEPTH }, (_, i) => {
    const up = `^(?:\\.\\./){${i + 1}}`;
    const regex = only ? `${up}(?!(?:${only.join('|')})/)` : `${up}(?:${never.join('|')})/`;
    return {
      files: [`src/${layer}/${'*/'.repeat(i)}*.ts`],
      rules: { 'no-restricted-imports': ['error', { ...NO_CRYPTO_HASH, patterns: [...patterns, { regex, message }] }] },
    };
  });
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'bench/results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
      'no-restricted-imports': ['error', NO_CRYPTO_HASH],
      'no-restricted-properties': ['error', { object: 'crypto', property: 'hash', message: 'crypto.hash needs Node >= 20.12; use createHash().' }],
    },
  },
  ...layerRule('scim', { only: [], patterns: NO_IO }),
  ...layerRule('domain', { only: ['scim'], patterns: NO_IO }),
  ...layerRule('compat', { only: ['scim', 'domain'] }),
  ...layerRule('store', { only: ['scim', 'domain'] }),
  ...layerRule('directory', { never: ['http', 'cli'] }),
  ...layerRule('tenants', { never: ['http', 'cli'] }),
  ...layerRule('webhooks', { never: ['http', 'app', 'cli'] }),
  ...layerRule('http', { never: ['cli'] }),
);
