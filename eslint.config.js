import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/', 'data/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      // core/ is pure: no IO, no clock, no SDKs (DESIGN §3).
      'no-restricted-imports': ['error', { patterns: ['@aws-sdk/*', '@slack/*', 'node:fs*', 'node:http*', 'pino', 'hono*', '../adapters/*', '../services/*'] }],
      'no-restricted-syntax': ['error', { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'core/ takes time as an argument' }, { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'core/ takes time as an argument' }],
    },
  },
  {
    files: ['bench/**/*.ts', 'src/cli/**/*.ts', 'test/**/*.ts', 'scripts/**/*.mjs'],
    rules: { 'no-console': 'off' },
  },
);
