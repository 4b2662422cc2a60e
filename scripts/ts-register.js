'use strict';
// `node -r ./scripts/ts-register.js`: run the TypeScript sources directly, transpiled (not type-checked) by the
// TypeScript compiler, as Jest's ts-jest does. Type-checking is `npm run typecheck`'s job. Used by the schema
// generator and by tests that start child processes on the sources.
const { readFileSync } = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      esModuleInterop: true,
      inlineSourceMap: true,
    },
  });
  module._compile(outputText, filename);
};
