import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'data/**', 'kernels/.venv/**', 'bench/.venv/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // Layers import downwards only (ARCHITECTURE.md): adapters (kernels/, store/) know no service, services no HTTP;
  // the types they share live in contracts/, which imports nothing of Folio's.
  {
    files: ['backend/src/kernels/**/*.ts', 'backend/src/store/**/*.ts'],
    ignores: ['**/*.test.ts', '**/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+(http|runs|notebooks|notebook-files|users|queue|apps|schedules|audit|store)/',
              message:
                'Adapters (kernels/, store/) import no service, no HTTP and each other not; share types through contracts/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['backend/src/{runs,notebooks,notebook-files,users,apps,schedules,audit}/**/*.ts'],
    ignores: ['**/*.test.ts', '**/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+http/',
              message: 'Services must not import from http/; domain types live in contracts/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['backend/src/contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^\\.\\./', message: 'contracts/ depends on nothing of Folio (zod and its own files only).' },
          ],
        },
      ],
    },
  },
  {
    files: ['frontend/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    files: ['scripts/**/*.mjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', fetch: 'readonly' },
    },
  },
);
