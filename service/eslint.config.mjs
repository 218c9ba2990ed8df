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
);
