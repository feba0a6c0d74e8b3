// ESLint for the whole monorepo. The rules are few on purpose: each one catches a bug or keeps a boundary
// (floating promises, import cycles, undeclared dependencies, reaching into another package, a deterministic
// core). Formatting is Prettier's job (eslint-config-prettier switches off every rule that would fight it).
// Type-aware rules use one TypeScript program for all sources, tests and benches (tsconfig.eslint.json);
// workspace packages resolve to their built .d.ts, so run `tsc -b` first (`make lint` does).
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import js from '@eslint/js';
import prettierConfig from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { defineConfig } from 'eslint/config';

const root = import.meta.dirname;
/** @type {string[]} */
const workspaces = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces;
const workspaceDirs = workspaces.map((ws) => ws.split('/').pop()).join('|');

// Another package is used through its entry point (`@ginkgo/core`), never through its files: src/ and dist/
// layouts are private, and a relative path into another workspace bypasses its package.json altogether.
const internalsPatterns = [
  {
    group: ['@ginkgo/*/src', '@ginkgo/*/src/**', '@ginkgo/*/dist', '@ginkgo/*/dist/**'],
    message: "Import the package's entry point (@ginkgo/<name>), not its files.",
  },
  {
    regex: `^(\\.\\./)+(packages/)?(${workspaceDirs})/src(/|$)`,
    message: "Another workspace's src/ is private: import its package entry point and export what you need there.",
  },
];

// packages/core is the deterministic engine shared by live nodes and backtests: time and randomness come in
// through its inputs, and it runs without Node APIs.
const deterministic = 'packages/core is deterministic: take time and randomness from the caller.';
const coreNoNode = 'packages/core runs without Node APIs: pass what it needs in from the platform.';
const coreRules = {
  'no-restricted-imports': [
    'error',
    {
      paths: builtinModules.map((name) => ({ name, message: coreNoNode })),
      patterns: [...internalsPatterns, { group: ['node:*'], message: coreNoNode }],
    },
  ],
  'no-restricted-properties': [
    'error',
    { object: 'Date', property: 'now', message: deterministic },
    { object: 'Math', property: 'random', message: deterministic },
    { object: 'performance', property: 'now', message: deterministic },
  ],
  'no-restricted-syntax': [
    'error',
    { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: deterministic },
    { selector: "CallExpression[callee.name='Date']", message: deterministic },
  ],
  'no-restricted-globals': ['error', { name: 'process', message: coreNoNode }, { name: 'Buffer', message: coreNoNode }],
};

// Each workspace imports only what its own package.json declares; tests and benches may also use the root's
// devDependencies (jest, fast-check). Type-only imports count too: a consumer's build needs them.
const dependencyRules = workspaces.flatMap((ws) => [
  {
    files: [`${ws}/**/*.{ts,js,mjs,cjs}`],
    rules: {
      'import-x/no-extraneous-dependencies': [
        'error',
        { packageDir: [join(root, ws)], devDependencies: false, peerDependencies: true, includeTypes: true },
      ],
    },
  },
  {
    files: [`${ws}/test/**`, `${ws}/bench/**`, `${ws}/jest/**`, `${ws}/*.config.{js,mjs,cjs}`],
    rules: {
      'import-x/no-extraneous-dependencies': [
        'error',
        { packageDir: [join(root, ws), root], devDependencies: true, peerDependencies: true, includeTypes: true },
      ],
    },
  },
]);

export default defineConfig(
  {
    ignores: [
      '**/node_modules/',
      '**/dist/',
      '**/dist-bench/',
      'reports/',
      'coverage/',
      'charts/',
      'crds/',
      '.testbed/',
    ],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: join(root, 'tsconfig.eslint.json') })],
      // Without these, import-x skips .ts files when it follows imports (no-cycle would see no edges).
      'import-x/extensions': ['.ts', '.js', '.mjs', '.cjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/external-module-folders': ['node_modules', 'node_modules/@types'],
    },
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: {
      parserOptions: { project: [join(root, 'tsconfig.eslint.json')], tsconfigRootDir: root },
    },
    rules: {
      // Promises: an un-awaited rejection crashes the process or vanishes; a promise where a boolean or a
      // void callback is expected is never awaited.
      '@typescript-eslint/no-floating-promises': 'error',
      // A `let` read by a callback before its one assignment (health checks wired before the node exists).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // A promise returned un-awaited from a try block escapes its catch (the CLI crashed on bad arguments).
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      // What is thrown or rejected carries a stack, and what is stringified says more than [object Object].
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/prefer-promise-reject-errors': 'error',
      '@typescript-eslint/no-base-to-string': 'error',
      // A switch over a union without a default handles every member: adding one shows each place to update.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Module structure.
      'import-x/no-cycle': 'error',
      'import-x/no-self-import': 'error',
      'no-restricted-imports': ['error', { patterns: internalsPatterns }],
      // Logs go through pino, with structure and levels; a CLI prints through process.stdout.
      'no-console': 'error',
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
    rules: { 'import-x/no-cycle': 'error' },
  },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },
  {
    files: ['**/*.{js,mjs,cjs}'],
    rules: {
      'import-x/no-extraneous-dependencies': ['error', { packageDir: [root], devDependencies: true }],
    },
  },
  ...dependencyRules,
  { files: ['packages/core/src/**/*.ts'], rules: coreRules },
  // Tests, benchmarks and build scripts report to the terminal.
  {
    files: ['**/test/**', '**/bench/**', 'image/**', '**/*.config.{js,mjs,cjs}'],
    rules: { 'no-console': 'off' },
  },
  prettierConfig,
);
