// Copies the status page's static files (src/ui: HTML, CSS, plain JS) next to the compiled app, dist/src/ui,
// where src/api/ui-assets.ts reads them. Run by `npm run build` after tsc.
'use strict';
const { cpSync, mkdirSync, readdirSync } = require('node:fs');
const { join } = require('node:path');

const from = join(__dirname, '..', 'src', 'ui');
const to = join(__dirname, '..', 'dist', 'src', 'ui');
mkdirSync(to, { recursive: true });
const files = readdirSync(from).filter((name) => /\.(html|css|js)$/.test(name));
for (const name of files) cpSync(join(from, name), join(to, name));
console.log(`ui assets copied: ${files.join(', ')} -> dist/src/ui`);
