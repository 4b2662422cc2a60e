#!/usr/bin/env node
'use strict';
// The CLI is compiled by `npm install` (the `prepare` script). Point at the build, or explain how to make it.
try {
  require.resolve('../dist/src/cli/main.js');
} catch {
  console.error(
    'flotilla: the build is missing. Run `npm install` (or `npm run build`) in the flotilla folder first.',
  );
  process.exit(1);
}
require('../dist/src/cli/main.js')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
