import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Who may import whom in lib/ (docs/architecture.md): DingTalk's protocol and our use cases import no
// cloud SDK and no adapter; one cloud's adapters never import the other's.
const CLOUD_SDKS = [
  '@aws-sdk/*',
  '@aws-lambda-powertools/*',
  '@smithy/*',
  'aws-lambda',
  'tablestore',
  'cbor-x',
];
const boundary = (folders, packages, why) => ({
  '@typescript-eslint/no-restricted-imports': [
    'error',
    {
      patterns: [
        ...(folders.length ? [{ group: folders.map((f) => `**/${f}/**`), message: why }] : []),
        ...(packages.length ? [{ group: packages, message: why }] : []),
      ],
    },
  ],
});

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.serverless/',
      '.esbuild/',
      '.build/',
      'coverage/',
      'aliyun-bundle/',
      '.dingtalk-recovery/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-console': 'off',
    },
  },
  {
    files: ['lib/dingtalk/**/*.ts'],
    rules: boundary(
      ['core', 'aws', 'aliyun', 'webhook', 'startup'],
      CLOUD_SDKS,
      'lib/dingtalk holds what DingTalk defines: it imports nothing of ours and no cloud SDK',
    ),
  },
  {
    files: ['lib/core/**/*.ts'],
    rules: boundary(
      ['aws', 'aliyun', 'webhook', 'startup'],
      CLOUD_SDKS,
      'lib/core holds our use cases and their ports: adapters implement the ports, core never imports them',
    ),
  },
  {
    files: ['lib/aws/**/*.ts'],
    rules: boundary(['aliyun'], ['tablestore', 'cbor-x'], 'AWS adapters never use Alibaba Cloud code'),
  },
  {
    files: ['lib/aliyun/**/*.ts'],
    rules: boundary(
      ['aws'],
      ['@aws-sdk/*', '@smithy/*', 'aws-lambda'],
      'Alibaba adapters never use AWS code',
    ),
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        Buffer: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
