// @ts-check
'use strict';
// Makes the sample's small synthetic "satellite" images: dark noisy ground with bright damaged areas
// (rectangles, one with a hole), each fully inside one 2x2 tile. Deterministic: same seed, same bytes.
// Usage: node samples/damage-assessment/make-images.js [outDir]
const fs = require('node:fs');
const path = require('node:path');
const { formatPgm } = require('./steps/pgm');

const SIZE = 64;
const TILE = SIZE / 2;

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The sample scenes: per image, the damaged areas as rectangles in pixel coordinates
 * (`hole` cuts an undamaged rectangle out of the area). Tests derive their expectations from this.
 */
const scenes = [
  {
    name: 'kharkiv-0001',
    geo: [36.2, 49.98, 36.21, 49.99],
    areas: [
      { x: 3, y: 4, w: 10, h: 6 },
      { x: 40, y: 38, w: 12, h: 12, hole: { x: 44, y: 42, w: 4, h: 4 } },
    ],
  },
  {
    name: 'kharkiv-0002',
    geo: [36.21, 49.98, 36.22, 49.99],
    areas: [
      { x: 36, y: 2, w: 20, h: 8 },
      { x: 5, y: 40, w: 6, h: 6 },
      { x: 18, y: 50, w: 10, h: 9 },
    ],
  },
  { name: 'mariupol-0001', geo: [37.54, 47.09, 37.55, 47.1], areas: [{ x: 10, y: 10, w: 15, h: 15 }] },
  { name: 'mariupol-0002', geo: [37.55, 47.09, 37.56, 47.1], areas: [] },
];

function render(scene, seed) {
  const random = rng(seed);
  const pixels = new Uint8Array(SIZE * SIZE);
  for (let i = 0; i < pixels.length; i++) pixels[i] = 20 + Math.floor(random() * 80);
  for (const a of scene.areas) {
    for (let y = a.y; y < a.y + a.h; y++) {
      for (let x = a.x; x < a.x + a.w; x++) {
        const inHole =
          a.hole && x >= a.hole.x && x < a.hole.x + a.hole.w && y >= a.hole.y && y < a.hole.y + a.hole.h;
        if (!inHole) pixels[y * SIZE + x] = 180 + Math.floor(random() * 70);
      }
    }
  }
  const [west, south, east, north] = scene.geo;
  return formatPgm({ width: SIZE, height: SIZE, pixels, geo: { west, south, east, north } });
}

function makeImages(outDir) {
  fs.mkdirSync(outDir, { recursive: true });
  scenes.forEach((scene, i) =>
    fs.writeFileSync(path.join(outDir, `${scene.name}.pgm`), render(scene, 1000 + i)),
  );
  return scenes.map((s) => path.join(outDir, `${s.name}.pgm`));
}

module.exports = { scenes, makeImages, SIZE, TILE };

if (require.main === module) {
  const files = makeImages(process.argv[2] ?? path.join(__dirname, 'images'));
  console.log(`wrote ${files.length} images`);
}
