// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

/**
 * Orchestrators are replayed: anything that reads the clock, randomness, the network, the process or the
 * file system gives a different answer on replay. These rules keep such code out of `src/orchestrators/**`.
 * `tests/unit/lint-orchestrator-rules.test.ts` lints a deliberately bad file to prove that they fire.
 */
const nodeBuiltins = builtinModules.filter((m) => !m.startsWith('_'));
export const deterministicRules = {
  'no-restricted-globals': [
    'error',
    ...['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'queueMicrotask'].map(
      (name) => ({ name, message: `${name} is not replay-safe: use context.df.createTimer().` }),
    ),
    { name: 'fetch', message: 'fetch is not replay-safe: do I/O in an activity.' },
    { name: 'process', message: 'process is not replay-safe: pass settings in the orchestration input.' },
    { name: 'require', message: 'Dynamic require is not allowed in orchestrators.' },
  ],
  'no-restricted-properties': [
    'error',
    {
      object: 'Date',
      property: 'now',
      message: 'Date.now() is not replay-safe: use context.df.currentUtcDateTime.',
    },
    {
      object: 'Math',
      property: 'random',
      message: 'Math.random() is not replay-safe: use context.df.newGuid().',
    },
    {
      object: 'crypto',
      property: 'randomUUID',
      message: 'randomUUID is not replay-safe: use context.df.newGuid().',
    },
  ],
  'no-restricted-syntax': [
    'error',
    {
      selector: "NewExpression[callee.name='Date'][arguments.length=0]",
      message: 'new Date() is not replay-safe: use context.df.currentUtcDateTime.',
    },
    {
      selector: "CallExpression[callee.name='Date']",
      message: 'Date() is not replay-safe: use context.df.currentUtcDateTime.',
    },
  ],
  '@typescript-eslint/no-restricted-imports': [
    'error',
    {
      paths: nodeBuiltins.flatMap((m) => [
        { name: m, message: 'Node built-ins are not allowed in orchestrators: do I/O in an activity.' },
        {
          name: `node:${m}`,
          message: 'Node built-ins are not allowed in orchestrators: do I/O in an activity.',
        },
      ]),
      patterns: [
        {
          group: ['@azure/*', '!@azure/functions'],
          message: 'Azure SDKs are not allowed in orchestrators: call them from an activity.',
        },
        {
          group: ['**/compute/*', '**/storage/*', '**/composition', '**/config/*'],
          allowTypeImports: true,
          message: 'Orchestrators import contracts and pure domain code only.',
        },
      ],
    },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'bin/**',
      'tests/fixtures/**',
      '**/*.js',
      '!src/ui/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-floating-promises': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['tests/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  { files: ['src/orchestrators/**/*.ts'], rules: deterministicRules },
  {
    // The status page's browser script (docs/ui.md): type-checked by src/ui/tsconfig.json (checkJs, DOM).
    files: ['src/ui/*.js'],
    languageOptions: { sourceType: 'script' },
    rules: { 'no-undef': 'off' },
  },
  prettier,
);
