// @ts-check
'use strict';
// Engine detection for the image scripts: the compiled `packages/emulators/common/engine.ts`, which the
// emulators' container executor uses too, so there is one detection (docs/containers.md, 'Engine settings').
// It is compiled first when missing or older than its source, as build.js does for the stager.
const { execFileSync } = require('node:child_process');
const { existsSync, statSync } = require('node:fs');
const { join } = require('node:path');

const REPO = join(__dirname, '..', '..');
const SOURCE = join(REPO, 'packages/emulators/common/engine.ts');
const COMPILED = join(REPO, 'dist/packages/emulators/common/engine.js');

if (!existsSync(COMPILED) || (existsSync(SOURCE) && statSync(COMPILED).mtimeMs < statSync(SOURCE).mtimeMs)) {
  process.stderr.write('compiling: dist/packages/emulators/common/engine.js is missing or stale\n');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: REPO,
    stdio: 'inherit',
  });
}

module.exports = require(COMPILED);
