import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // The published package's build (scripts/build-service.mts): compiled from src, linted there.
  { ignores: ['dist/'] },
  tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  // The review pages' browser scripts: browser globals only, and an unknown name is an error.
  {
    files: ['src/web/assets/**/*.js'],
    languageOptions: { globals: globals.browser, sourceType: 'module' },
    rules: { 'no-undef': 'error' },
  },
);
