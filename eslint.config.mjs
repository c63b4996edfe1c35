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
// `typeOnly` folders may be named in `import type` (a port to implement, a settings type handed in), never
// imported for their code.
const boundary = (folders, packages, why, typeOnly = []) => ({
  '@typescript-eslint/no-restricted-imports': [
    'error',
    {
      patterns: [
        ...(folders.length ? [{ group: folders.map((f) => `**/${f}/**`), message: why }] : []),
        ...(packages.length ? [{ group: packages, message: why }] : []),
        ...(typeOnly.length
          ? [{ group: typeOnly.map((f) => `**/${f}/**`), message: why, allowTypeImports: true }]
          : []),
      ],
    },
  ],
});
// Each cloud's composition root (functions/) and settings loader: the only cloud files that read settings.
const COMPOSITION = [
  'lib/aws/aws-settings.ts',
  'lib/aws/functions/**',
  'lib/aliyun/aliyun-settings.ts',
  'lib/aliyun/functions/**',
];

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
    ignores: COMPOSITION,
    rules: boundary(
      ['aliyun'],
      ['tablestore', 'cbor-x'],
      'AWS adapters never use Alibaba Cloud code, and are handed their settings by lib/aws/functions/',
      ['startup'],
    ),
  },
  {
    files: ['lib/aliyun/**/*.ts'],
    ignores: COMPOSITION,
    rules: boundary(
      ['aws'],
      ['@aws-sdk/*', '@smithy/*', 'aws-lambda'],
      'Alibaba adapters never use AWS code, and are handed their settings by lib/aliyun/functions/',
      ['startup'],
    ),
  },
  {
    files: ['lib/aws/aws-settings.ts', 'lib/aws/functions/**/*.ts'],
    rules: boundary(['aliyun'], ['tablestore', 'cbor-x'], 'AWS code never uses Alibaba Cloud code'),
  },
  {
    files: ['lib/aliyun/aliyun-settings.ts', 'lib/aliyun/functions/**/*.ts'],
    rules: boundary(['aws'], ['@aws-sdk/*', '@smithy/*', 'aws-lambda'], 'Alibaba code never uses AWS code'),
  },
  {
    files: ['lib/startup/**/*.ts'],
    rules: boundary(
      ['aws', 'aliyun'],
      [],
      'lib/startup is cloud-neutral: each cloud reads its own settings (lib/aws, lib/aliyun)',
    ),
  },
  {
    files: ['lib/webhook/**/*.ts'],
    rules: boundary(
      ['aws', 'aliyun', 'startup'],
      CLOUD_SDKS,
      'lib/webhook forwards stored events: it is handed its settings and uses no cloud',
    ),
  },
  {
    files: ['handlers/**/*.ts'],
    rules: boundary(
      ['startup', 'webhook', 'dingtalk'],
      ['@aws-sdk/*', '@aws-lambda-powertools/*', '@smithy/*', 'tablestore', 'cbor-x'],
      "a handler unwraps the provider event, calls its cloud's composition root (lib/*/functions/) and wraps the result: no SDK, client or logger of its own",
      ['core'],
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
