'use strict';
// `node -r ./scripts/ts-register.js`: run the TypeScript sources directly, transpiled by @swc/core
// (type-checking is `npm run typecheck`'s job). Used by the schema generator and the CLI tests.
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    filename,
    jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
