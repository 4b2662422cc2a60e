// @ts-check
'use strict';
// merge (the fan-in step): gathers the polygons of every image that succeeded, found under /flotilla/in,
// into one FeatureCollection /flotilla/out/merged.geojson, plus /flotilla/out/summary.json.
const fs = require('node:fs');
const path = require('node:path');
const { findFiles, folders, log } = require('./pgm');

const { input, output } = folders(process.argv);
const files = findFiles(input, '.geojson');
const features = [];
/** @type {Record<string, number>} */
const perImage = {};
for (const file of files) {
  const collection = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (collection.type !== 'FeatureCollection' || !Array.isArray(collection.features)) {
    console.error(`merge: ${path.relative(input, file)} is not a GeoJSON FeatureCollection`);
    process.exit(1);
  }
  // The first folder under /flotilla/in names the image the polygons came from.
  const image = path.relative(input, file).split(path.sep)[0] ?? 'unknown';
  const source = image.endsWith('.geojson') ? 'unknown' : image;
  for (const feature of collection.features)
    features.push({ ...feature, properties: { ...feature.properties, image: source } });
  perImage[source] = (perImage[source] ?? 0) + collection.features.length;
}
fs.writeFileSync(
  path.join(output, 'merged.geojson'),
  JSON.stringify({ type: 'FeatureCollection', features }),
);
fs.writeFileSync(
  path.join(output, 'summary.json'),
  JSON.stringify({ images: Object.keys(perImage).length, features: features.length, perImage }, null, 2),
);
log(`merged ${features.length} polygons from ${files.length} files`);
