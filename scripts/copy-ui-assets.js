// Copies the status page's static files (src/ui: HTML, CSS, plain JS) next to the compiled app, where
// src/api/ui-assets.ts reads them (docs/ui.md). `npm run build` runs it after tsc with the default destination,
// dist/src/ui; a packaging step that compiles elsewhere passes its own: `node scripts/copy-ui-assets.js <dir>`.
'use strict';
const { cpSync, mkdirSync, readdirSync } = require('node:fs');
const { join, resolve } = require('node:path');

const from = join(__dirname, '..', 'src', 'ui');
const to = resolve(process.argv[2] ?? join(__dirname, '..', 'dist', 'src', 'ui'));
mkdirSync(to, { recursive: true });
const files = readdirSync(from).filter((name) => /\.(html|css|js)$/.test(name));
for (const name of files) cpSync(join(from, name), join(to, name));
console.log(`ui assets copied: ${files.join(', ')} -> ${to}`);
