// @ts-check
'use strict';
// tile: cuts the source image under /flotilla/in into a grid of tiles (TILE_GRID x TILE_GRID, default 2),
// each with its own georeference, written to /flotilla/out/tile-<row>-<col>.pgm.
const fs = require('node:fs');
const path = require('node:path');
const { parsePgm, formatPgm, findFiles, folders, log } = require('./pgm');

const { input, output } = folders(process.argv);
const sources = findFiles(input, '.pgm');
if (sources.length === 0) {
  console.error(`tile: no .pgm image under ${input}`);
  process.exit(2);
}
const grid = Number(process.env.TILE_GRID ?? '2');
for (const source of sources) {
  const image = parsePgm(fs.readFileSync(source));
  const tileW = Math.ceil(image.width / grid);
  const tileH = Math.ceil(image.height / grid);
  for (let row = 0; row < grid; row++) {
    for (let col = 0; col < grid; col++) {
      const x0 = col * tileW;
      const y0 = row * tileH;
      const w = Math.min(tileW, image.width - x0);
      const h = Math.min(tileH, image.height - y0);
      const pixels = new Uint8Array(w * h);
      for (let y = 0; y < h; y++)
        pixels.set(
          image.pixels.subarray((y0 + y) * image.width + x0, (y0 + y) * image.width + x0 + w),
          y * w,
        );
      const g = image.geo ?? { west: 0, south: 0, east: image.width, north: image.height };
      const lon = (x) => g.west + ((g.east - g.west) * x) / image.width;
      const lat = (y) => g.north - ((g.north - g.south) * y) / image.height;
      const geo = { west: lon(x0), south: lat(y0 + h), east: lon(x0 + w), north: lat(y0) };
      fs.writeFileSync(
        path.join(output, `tile-${row}-${col}.pgm`),
        formatPgm({ width: w, height: h, pixels, geo }),
      );
    }
  }
  log(`cut ${path.basename(source)} (${image.width}x${image.height}) into ${grid * grid} tiles`);
}
