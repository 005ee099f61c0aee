import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

// src/lab is the maths: pure TypeScript on the tfjs API, runnable in Node and in the worker alike.
// These globals and imports would tie it to one shell (DOM, React, worker) or break seeded runs.
const LAB_FORBIDDEN_GLOBALS = [
  'window', 'document', 'self', 'navigator', 'localStorage', 'sessionStorage', 'indexedDB',
  'postMessage', 'importScripts', 'addEventListener', 'removeEventListener', 'Worker', 'location', 'fetch',
].map((name) => ({ name, message: 'src/lab stays free of DOM and worker globals; pass what you need in from the shell.' }));

export default tseslint.config(
  { ignores: ['dist/', 'dist-*/', 'test-results-*/', 'node_modules/', 'test-results/', 'playwright-report/', '.lab-out/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/ui/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  {
    files: ['src/lab/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', ...LAB_FORBIDDEN_GLOBALS],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['react', 'react-dom', 'react-dom/*', 'recharts'], message: 'src/lab must not import React or UI code.' },
            { group: ['**/ui/**', '**/worker/**', '**/cli/**'], message: 'src/lab is imported by the shells, never the other way round.' },
            { group: ['node:*', 'fs', 'path', 'os', 'child_process'], message: 'src/lab runs in the browser too: no Node built-ins.' },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use the seeded generator in src/lab/rng.ts.' },
      ],
    },
  },
  {
    files: ['src/lab/**/*.test.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
