// @ts-check
'use strict';
// predict: the "model". Marks damaged pixels (brighter than THRESHOLD, default 128) in every tile under
// /flotilla/in, writing a binary mask (0 or 255) per tile to /flotilla/out/mask-<row>-<col>.pgm.
const fs = require('node:fs');
const path = require('node:path');
const { parsePgm, formatPgm, findFiles, folders, log } = require('./pgm');

const { input, output } = folders(process.argv);
const threshold = Number(process.env.THRESHOLD ?? '128');
const tiles = findFiles(input, '.pgm');
if (tiles.length === 0) {
  console.error(`predict: no tiles under ${input}`);
  process.exit(2);
}
let damaged = 0;
for (const file of tiles) {
  const tile = parsePgm(fs.readFileSync(file));
  const pixels = tile.pixels.map((v) => (v > threshold ? 255 : 0));
  damaged += pixels.filter((v) => v === 255).length;
  const name = path.basename(file).replace(/^tile-/, 'mask-');
  fs.writeFileSync(path.join(output, name), formatPgm({ ...tile, pixels }));
}
log(`masked ${tiles.length} tiles, ${damaged} damaged pixels (threshold ${threshold})`);
