// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((name) => [name, `node:${name}`]);

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', '.data/', 'drizzle/', 'dist/', 'tools/', 'web/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js', 'scripts/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The dashboard runs in a browser; TanStack Router's beforeLoad throws redirect() objects by design.
    files: ['web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    rules: { '@typescript-eslint/only-throw-error': 'off' },
  },
  {
    // Workflow code is replayed deterministically in a sandbox: no I/O, no Node built-ins, no clients.
    files: ['src/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflows may not use Node built-ins; do it in an activity.' })),
          patterns: [
            {
              group: ['**/db/**', '**/api/**', '**/activities/**', '**/targets/**', '**/traffic/**'],
              allowTypeImports: true,
              message: 'Workflows reach the outside world only through activities (type-only imports are fine).',
            },
            {
              group: [
                '@temporalio/client',
                '@temporalio/worker',
                '@temporalio/activity',
                '@kubernetes/*',
                'drizzle-orm',
                'drizzle-orm/*',
                'postgres',
                'pino',
                'hono',
                'hono/*',
                '@hono/*',
                '@electric-sql/*',
              ],
              allowTypeImports: true,
              message: 'Workflows may not import client libraries.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['eslint.config.js', 'scripts/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Plain-JavaScript sample apps and fixtures (what the local target runs): outside the TypeScript project.
    // src/temporal/failure-converter.cjs: the SDK require()s it by path, so it is plain CommonJS (see the file).
    files: ['examples/**/*.mjs', 'tests/support/*.mjs', 'scripts/bench/*.mjs', 'src/**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { parserOptions: { projectService: false } },
  },
);
