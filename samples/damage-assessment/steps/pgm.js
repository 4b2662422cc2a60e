// @ts-check
'use strict';
// Tiny helpers shared by the sample steps: binary PGM (P5) images with an optional georeference comment
// (`# geo <west> <south> <east> <north>`), and a recursive file finder. Node built-ins only.
const fs = require('node:fs');
const path = require('node:path');

/**
 * @typedef {{ west: number, south: number, east: number, north: number }} Bounds
 * @typedef {{ width: number, height: number, pixels: Uint8Array, geo?: Bounds }} Image
 */

/** @param {Buffer} buffer @returns {Image} */
function parsePgm(buffer) {
  let offset = 0;
  /** @type {Bounds | undefined} */
  let geo;
  const tokens = [];
  while (tokens.length < 4) {
    while (offset < buffer.length && /\s/.test(String.fromCharCode(buffer[offset] ?? 0))) offset++;
    if (buffer[offset] === 0x23) {
      const end = buffer.indexOf(0x0a, offset);
      const comment = buffer
        .subarray(offset + 1, end)
        .toString()
        .trim();
      const m = /^geo\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)$/.exec(comment);
      if (m) geo = { west: Number(m[1]), south: Number(m[2]), east: Number(m[3]), north: Number(m[4]) };
      offset = end + 1;
      continue;
    }
    const start = offset;
    while (offset < buffer.length && !/\s/.test(String.fromCharCode(buffer[offset] ?? 0))) offset++;
    tokens.push(buffer.subarray(start, offset).toString());
  }
  offset++; // the single whitespace before the raster
  const [magic, w, h, max] = tokens;
  if (magic !== 'P5' || max !== '255')
    throw new Error(`not an 8-bit binary PGM (magic ${magic}, max ${max})`);
  const width = Number(w);
  const height = Number(h);
  const pixels = new Uint8Array(buffer.subarray(offset, offset + width * height));
  if (pixels.length !== width * height)
    throw new Error(`truncated PGM: ${pixels.length} of ${width * height} bytes`);
  return { width, height, pixels, ...(geo ? { geo } : {}) };
}

/** @param {Image} image @returns {Buffer} */
function formatPgm(image) {
  const g = image.geo;
  const header = `P5\n${g ? `# geo ${g.west} ${g.south} ${g.east} ${g.north}\n` : ''}${image.width} ${image.height}\n255\n`;
  return Buffer.concat([Buffer.from(header, 'ascii'), Buffer.from(image.pixels)]);
}

/** Every file under `dir` whose name ends with `suffix`, sorted, recursively. @returns {string[]} */
function findFiles(dir, suffix) {
  /** @type {string[]} */
  const found = [];
  if (!fs.existsSync(dir)) return found;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findFiles(full, suffix));
    else if (entry.name.endsWith(suffix)) found.push(full);
  }
  return found.sort();
}

/** @param {string[]} argv @returns {{ input: string, output: string }} */
function folders(argv) {
  const input = argv[2] ?? '/flotilla/in';
  const output = argv[3] ?? '/flotilla/out';
  fs.mkdirSync(output, { recursive: true });
  return { input, output };
}

/** @param {string} message */
function log(message) {
  const step = process.env.FLOTILLA_STEP ?? 'step';
  const image = process.env.FLOTILLA_IMAGE ?? '-';
  console.log(`[${step}] image=${image} ${message}`);
}

module.exports = { parsePgm, formatPgm, findFiles, folders, log };
