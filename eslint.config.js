// ESLint flat config: a gate run by `npm test`, not a style guide. Formatting is Prettier's job
// (`npm run format:check`), type errors are tsc's (`npm run typecheck`); this catches likely bugs
// (eslint + typescript-eslint "recommended", syntax-only so it stays fast) and import cycles.
//
// Import cycles are checked twice, on purpose:
// - `import-x/no-cycle` here, for editor feedback. It skips `import type` edges by design (there is
//   no option to include them), so it only sees cycles that exist at run time.
// - `dpdm` in `npm run lint:cycles` (package.json), which also follows `import type` edges, so a
//   type-only cycle fails `npm run lint` too.
import { join } from 'node:path';
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

export default defineConfig([
  globalIgnores(['dist/', 'data/', 'node_modules/']),
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    plugins: { 'import-x': importX },
    settings: {
      // Without these two, import-x cannot parse .ts files and no-cycle silently finds nothing.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      // Maps the NodeNext-style './x.js' specifiers to the './x.ts' sources.
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: join(import.meta.dirname, 'tsconfig.json') })],
    },
    rules: {
      'import-x/no-cycle': ['error', { maxDepth: Infinity }],

      // Non-null assertions are used deliberately where an invariant guarantees the value
      // (e.g. `calls[i]!` after waiting for call i). Not in "recommended", but pinned off so
      // moving to typescript-eslint's "strict" set later does not turn it on.
      '@typescript-eslint/no-non-null-assertion': 'off',

      // Same convention as tsc's noUnusedLocals/noUnusedParameters: a leading `_` marks a
      // binding that is unused on purpose (`(_request, reply) => ...`, `(_, i) => i`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
    },
  },
]);
