// ESLint for the sources: the recommended rules of ESLint and typescript-eslint. No type-checked
// rules: tsc --noEmit already runs in npm test, and they would double its time.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'out/', 'node_modules/', '.tools/', 'test-results/', '.scratch/', 'test/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Control characters in patterns are on purpose: the Makefile reader's private sentinels
      // (\x01-\x04) and the checks that refuse control characters in paths and notes.
      'no-control-regex': 'off',
      // A variable read by a closure made before its one assignment (the client and its error handler) stays `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // `_name` marks what is destructured away or a parameter kept for its position.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  // Build scripts and the Electron test suite run in Node as plain JavaScript.
  { files: ['**/*.mjs', '**/*.cjs'], languageOptions: { globals: globals.node } },
  { files: ['**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
