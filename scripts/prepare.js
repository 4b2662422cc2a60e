'use strict';
// `npm install` builds the TypeScript so `npx flotilla` works right away. A production install
// (`npm ci --omit=dev`) has no TypeScript compiler: nothing to build there, so it says so and succeeds.
const { spawnSync } = require('node:child_process');

try {
  require.resolve('typescript/bin/tsc');
} catch {
  console.log('prepare: typescript is not installed (production install): skipping the build');
  process.exit(0);
}
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const result = spawnSync(npm, ['run', 'build', '--silent'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
