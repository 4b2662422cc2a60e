// @ts-check
'use strict';
// vectorize: turns every mask under /flotilla/in into GeoJSON polygons, one per connected damaged area
// (4-connectivity), traced along pixel edges so areas are exact; writes /flotilla/out/polygons.geojson.
const fs = require('node:fs');
const path = require('node:path');
const { parsePgm, findFiles, folders, log } = require('./pgm');

/** Connected components of foreground pixels: a label per pixel (0 = background). */
function label(mask) {
  const { width, height, pixels } = mask;
  const labels = new Int32Array(width * height);
  let next = 0;
  for (let start = 0; start < pixels.length; start++) {
    if (!pixels[start] || labels[start]) continue;
    next++;
    const stack = [start];
    labels[start] = next;
    while (stack.length) {
      const i = /** @type {number} */ (stack.pop());
      const x = i % width;
      const y = (i - x) / width;
      for (const [nx, ny] of [
        [x - 1, y],
        [x + 1, y],
        [x, y - 1],
        [x, y + 1],
      ]) {
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
        const j = ny * width + nx;
        if (pixels[j] && !labels[j]) {
          labels[j] = next;
          stack.push(j);
        }
      }
    }
  }
  return { labels, count: next };
}

/** Boundary rings of one component, as closed lists of pixel-corner points. */
function rings(labels, width, height, id) {
  const inside = (x, y) => x >= 0 && y >= 0 && x < width && y < height && labels[y * width + x] === id;
  /** @type {Map<string, number[][]>} edges keyed by start corner, interior on the left */
  const edges = new Map();
  const add = (x1, y1, x2, y2) => {
    const key = `${x1},${y1}`;
    const list = edges.get(key) ?? [];
    list.push([x2, y2]);
    edges.set(key, list);
  };
  let area = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!inside(x, y)) continue;
      area++;
      if (!inside(x, y - 1)) add(x + 1, y, x, y);
      if (!inside(x - 1, y)) add(x, y, x, y + 1);
      if (!inside(x, y + 1)) add(x, y + 1, x + 1, y + 1);
      if (!inside(x + 1, y)) add(x + 1, y + 1, x + 1, y);
    }
  }
  const result = [];
  for (const [startKey] of edges) {
    while ((edges.get(startKey) ?? []).length) {
      const ring = [startKey.split(',').map(Number)];
      let key = startKey;
      let prev = ring[0];
      for (;;) {
        const options = edges.get(key) ?? [];
        // At a corner shared by two diagonal pixels, turn so that components stay 4-connected.
        const [px, py] = /** @type {number[]} */ (prev);
        const [cx, cy] = key.split(',').map(Number);
        options.sort((a, b) => turn(px, py, cx, cy, a) - turn(px, py, cx, cy, b));
        const to = /** @type {number[]} */ (options.shift());
        prev = [cx, cy];
        key = `${to[0]},${to[1]}`;
        if (key === startKey) break;
        ring.push(to);
      }
      result.push(simplify(ring));
    }
  }
  return { rings: result, area };
}

/** Smaller is preferred: right turn, straight, left turn. */
function turn(px, py, cx, cy, [nx, ny]) {
  const cross = (cx - px) * (ny - cy) - (cy - py) * (nx - cx);
  return cross > 0 ? 0 : cross === 0 ? 1 : 2;
}

/** Drops corners where the boundary runs straight on. */
function simplify(ring) {
  return ring.filter((p, i) => {
    const a = ring[(i - 1 + ring.length) % ring.length];
    const b = ring[(i + 1) % ring.length];
    return (p[0] - a[0]) * (b[1] - p[1]) - (p[1] - a[1]) * (b[0] - p[0]) !== 0;
  });
}

function signedArea(ring) {
  let sum = 0;
  for (let i = 0; i < ring.length; i++) {
    const [x1, y1] = ring[i];
    const [x2, y2] = ring[(i + 1) % ring.length];
    sum += x1 * y2 - x2 * y1;
  }
  return sum / 2;
}

const { input, output } = folders(process.argv);
const masks = findFiles(input, '.pgm');
if (masks.length === 0) {
  console.error(`vectorize: no masks under ${input}`);
  process.exit(2);
}
const features = [];
for (const file of masks) {
  const mask = parsePgm(fs.readFileSync(file));
  const g = mask.geo ?? { west: 0, south: 0, east: mask.width, north: mask.height };
  const toLonLat = ([x, y]) => [
    g.west + ((g.east - g.west) * x) / mask.width,
    g.north - ((g.north - g.south) * y) / mask.height,
  ];
  const { labels, count } = label(mask);
  for (let id = 1; id <= count; id++) {
    const { rings: pixelRings, area } = rings(labels, mask.width, mask.height, id);
    const geoRings = pixelRings.map((r) => r.map(toLonLat));
    // Right-hand rule (RFC 7946): outer ring counterclockwise, holes clockwise.
    geoRings.sort((a, b) => Math.abs(signedArea(b)) - Math.abs(signedArea(a)));
    const oriented = geoRings.map((r, i) => {
      const ccw = signedArea(r) > 0;
      const ring = (i === 0) === ccw ? r : [...r].reverse();
      return [...ring, ring[0]];
    });
    features.push({
      type: 'Feature',
      properties: { tile: path.basename(file, '.pgm').replace(/^mask-/, ''), pixels: area },
      geometry: { type: 'Polygon', coordinates: oriented },
    });
  }
}
fs.writeFileSync(
  path.join(output, 'polygons.geojson'),
  JSON.stringify({ type: 'FeatureCollection', features }, null, 1),
);
log(`vectorized ${masks.length} masks into ${features.length} polygons`);
