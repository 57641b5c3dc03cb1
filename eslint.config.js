// ESLint flat config: typescript-eslint's type-checked rules over every TypeScript file the
// project compiles (src, test, bench, scripts, and the console in web/). Formatting is Prettier's job, not ESLint's.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'dist-bench/',
      '.cache/',
      'web/dist/',
      'coverage/',
      'dist-package/',
      '.dependency-cruiser.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['vitest.config.ts', 'eslint.config.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // The point of the set: a promise nobody awaits loses its rejection.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // A `let` read by a callback before its one assignment (late-bound wiring) cannot be const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Off: storage ports, fakes and handlers are `async` so that a throw becomes a rejection and
      // every adapter has the same shape, even where one adapter's body happens to be synchronous.
      '@typescript-eslint/require-await': 'off',
      // Off: the project matches control characters on purpose, to reject or strip them from
      // untrusted input (package names, job arguments, terminal output).
      'no-control-regex': 'off',
    },
  },
  {
    // Migrations are written against `Kysely<any>` on purpose (Kysely's advice): a migration must
    // not depend on today's table types, which later migrations change.
    files: ['src/store/migrations/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The route table erases each route's param/query/body types (RouteDef<any, any, any>) so that
    // routes of different types share one array; each route's own zod schemas type its handler.
    files: ['src/server/http/route.ts', 'src/server/http/app.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    // Tests read JSON answers and fixtures as `any` and assert on them field by field: the
    // assertion is the type check there, so the no-unsafe-* rules would only ask for casts.
    files: ['**/*.test.ts', 'test/**/*.ts', 'src/**/test-support.ts', 'src/store/contract/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // The console: React's rules of hooks (a hook called conditionally breaks state) and complete effect dependencies.
    files: ['web/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
