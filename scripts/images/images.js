// @ts-check
'use strict';
// The images flotilla builds: the local base (podman only), the stager, and the samples' step images, tagged with
// exactly the references their pipeline specs name. See docs/containers.md.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { parse } = require('yaml');

const REPO = join(__dirname, '..', '..');

/** The stager's tag for the embedded stack (`LOCAL_STAGER_IMAGE` in packages/emulators/stack/index.ts). */
const LOCAL_STAGER_IMAGE = 'flotilla-local/stager:dev';

/** The public base used with docker (and the Dockerfiles' default). */
const PUBLIC_BASE_IMAGE = 'node:22-alpine';

/** The local-only base made by `podman import`: never pushed, named so nobody mistakes it for a public one. */
const localBaseImage = (nodeVersion = process.versions.node) =>
  `localhost/flotilla-base:node${nodeVersion.split('.')[0]}`;

/**
 * The samples with images. `dockerfile`: built FROM the base; `busyboxRootfs`: a public busybox image stood in
 * for by a local busybox-only import (podman only, as nothing can be pulled there).
 */
const SAMPLES = [
  {
    name: 'damage-assessment',
    spec: 'samples/damage-assessment/pipeline.yaml',
    dockerfile: 'containers/samples/damage-assessment/Dockerfile',
  },
  { name: 'hello', spec: 'samples/hello/pipeline.json', busyboxRootfs: true },
];

/**
 * The distinct image references a pipeline spec names (steps and finalize), in order.
 * @param {string} specFile relative to the repository
 * @returns {string[]}
 */
function specImages(specFile) {
  const spec = parse(readFileSync(join(REPO, specFile), 'utf8'));
  const steps = [
    ...(Array.isArray(spec?.steps) ? spec.steps : []),
    ...(spec?.finalize ? [spec.finalize] : []),
  ];
  const images = [...new Set(steps.map((step) => step?.image).filter((image) => typeof image === 'string'))];
  if (images.length === 0) throw new Error(`${specFile}: names no image (steps[].image, finalize.image)`);
  return images;
}

module.exports = { REPO, LOCAL_STAGER_IMAGE, PUBLIC_BASE_IMAGE, SAMPLES, localBaseImage, specImages };
