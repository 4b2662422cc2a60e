// Copies the stand-ins' plain-JS files that tsc does not emit next to their compiled modules: the Azurite
// write-through preload (packages/emulators/stack/azurite-write-through.js, loaded with `node --require`,
// and its journal, azurite-journal.js;
// docs/emulators.md, "What survives a kill"). `npm run build` runs it after tsc.
'use strict';
const { cpSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
for (const file of [
  'packages/emulators/stack/azurite-write-through.js',
  'packages/emulators/stack/azurite-journal.js',
]) {
  cpSync(join(root, file), join(root, 'dist', file));
}
