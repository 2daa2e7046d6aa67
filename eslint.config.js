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
  {
    // The protocol core is pure: no I/O, no HTTP, no database (DESIGN rule 1).
    files: ['src/scim/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { ...NO_CRYPTO_HASH, patterns: ['node:fs*', 'node:http*', 'node:net', 'better-sqlite3', 'pg', '../../store/*', '../../http/*', '../store/*', '../http/*'] }],
    },
  },
);
