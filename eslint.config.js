// Lint exists mainly to hold the layering: the registry daemon (server/) must never know the app.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layering = {
  'no-restricted-imports': ['error', {
    patterns: [
      { group: ['**/electron/**', 'electron', '**/renderer/**'], message: 'server/ is a standalone registry: it must not import the desktop app (electron/) or the UI (renderer/).' },
    ],
  }],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.tmp/**', 'dist-electron/**', 'test/artifacts/**', 'renderer/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  { files: ['server/**/*.ts'], rules: layering },
);
