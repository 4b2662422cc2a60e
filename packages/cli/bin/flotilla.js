#!/usr/bin/env node
'use strict';
// The CLI runs from the TypeScript build: `dist/packages/cli/main.js` beside this package's root (an installed
// tarball) or the repository's root (a clone, built by `npm install` or `npm run build`).
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const candidates = [
  join(__dirname, '../dist/packages/cli/main.js'),
  join(__dirname, '../../../dist/packages/cli/main.js'),
];
const main = candidates.find((file) => existsSync(file));
if (!main) {
  console.error('flotilla: the build is missing. Run `npm run build` in the flotilla folder first.');
  process.exit(1);
}
require(main)
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
