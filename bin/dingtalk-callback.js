#!/usr/bin/env node
'use strict';
// The CLI is TypeScript run in place (tsx), so the repository needs no build step before `npx dingtalk-callback`.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
const { main } = require('../cli/main.ts');

main(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error && error.name === 'ConfigError' ? error.message : String(error));
    process.exitCode = 1;
  },
);
