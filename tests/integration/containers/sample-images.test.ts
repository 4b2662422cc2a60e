import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { makeImages, scenes } from '../../../samples/damage-assessment/make-images';
import { SAMPLES, specImages } from '../../../scripts/images/images';
import { ACI_STEP_SCRIPT } from '../../../src/compute/step-script';
import { toArgv, toShellLine } from '../../../src/pipeline';
import { TestContainers, buildWithPodman } from './podman';

// The samples' step images, built from the repository by scripts/images/build.js and found by podman under
// exactly the references their specs name, each step run as ACI runs it: the step wrapper of
// src/compute/step-script.ts with the spec's command in FLOTILLA_COMMAND.
const REPO = join(__dirname, '..', '..', '..');
let containers: TestContainers;
let scratch: string;

interface SpecStep {
  id: string;
  image: string;
  command: string | string[];
  env?: Record<string, string>;
}

function specSteps(file: string): SpecStep[] {
  const spec = parse(readFileSync(join(REPO, file), 'utf8')) as { steps: SpecStep[]; finalize?: SpecStep };
  return [...spec.steps, ...(spec.finalize ? [spec.finalize] : [])];
}

/** A /flotilla volume for one step, its in/ filled from `inputs` (folder -> files copied under it). */
function volumeWith(inputs: Record<string, string>): string {
  const volume = mkdtempSync(join(scratch, 'volume-'));
  chmodSync(volume, 0o777);
  mkdirSync(join(volume, 'in'), { recursive: true });
  for (const [under, from] of Object.entries(inputs))
    cpSync(from, join(volume, 'in', under), { recursive: true });
  return volume;
}

async function runStep(step: SpecStep, volume: string): Promise<{ code: number | null; output: string }> {
  const { exited } = containers.start(step.image, ['/bin/sh', '-c', ACI_STEP_SCRIPT], {
    env: {
      ...step.env,
      FLOTILLA_COMMAND: toShellLine(toArgv(step.command)),
      FLOTILLA_STEP: step.id,
      FLOTILLA_IMAGE: 'kharkiv-0001',
    },
    volume,
  });
  return exited;
}

beforeAll(() => {
  const { global, run } = buildWithPodman();
  containers = new TestContainers(`sample-images-${process.pid}`, global, run);
  scratch = mkdtempSync(join(tmpdir(), 'flotilla-samples-'));
}, 600_000);

afterAll(() => {
  containers?.removeAll();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  expect(containers?.listed()).toEqual([]);
}, 120_000);

describe('the sample step images under podman', () => {
  it('every image reference the sample specs name is a local image', () => {
    const named = SAMPLES.flatMap((sample) => specImages(sample.spec));
    expect(named).toEqual(['flotilla-samples/damage-assessment:1.0', 'busybox:1.36']);
    for (const image of named) expect(containers.exists(image)).toBe(true);
  });

  it('damage-assessment: tile, predict, vectorize and merge run in the image, each writing /flotilla/.exit', async () => {
    const [tile, predict, vectorize, merge] = specSteps('samples/damage-assessment/pipeline.yaml');
    const sources = join(scratch, 'images');
    makeImages(sources);
    const scene = scenes[0]!;

    let volume = volumeWith({});
    cpSync(join(sources, `${scene.name}.pgm`), join(volume, 'in', `${scene.name}.pgm`));
    const outputs: Record<string, string[]> = {};
    let previous = '';
    for (const step of [tile!, predict!, vectorize!]) {
      if (previous) volume = volumeWith({ '.': join(previous, 'out') });
      const { code, output } = await runStep(step, volume);
      expect({ step: step.id, code }).toEqual({ step: step.id, code: 0 });
      expect(readFileSync(join(volume, '.exit'), 'utf8').trim()).toBe('0');
      outputs[step.id] = readdirSync(join(volume, 'out')).sort();
      expect(output).toContain(step.id);
      previous = volume;
    }
    expect(outputs.tile).toEqual(['tile-0-0.pgm', 'tile-0-1.pgm', 'tile-1-0.pgm', 'tile-1-1.pgm']);
    expect(outputs.vectorize!.some((file) => file.endsWith('.geojson'))).toBe(true);

    volume = volumeWith({ [scene.name]: join(previous, 'out') });
    const { code } = await runStep(merge!, volume);
    expect(code).toBe(0);
    const merged = JSON.parse(readFileSync(join(volume, 'out', 'merged.geojson'), 'utf8')) as {
      features: Array<{ properties: { image: string } }>;
    };
    expect(merged.features).toHaveLength(scene.areas.length);
    expect(merged.features.every((feature) => feature.properties.image === scene.name)).toBe(true);
  });

  it("hello: the spec's shell command runs in the local busybox:1.36 stand-in", async () => {
    const [greet] = specSteps('samples/hello/pipeline.json');
    const volume = volumeWith({});
    const { code } = await runStep(greet!, volume);
    expect(code).toBe(0);
    expect(readFileSync(join(volume, 'out', 'hello.txt'), 'utf8')).toBe('hello from greet on kharkiv-0001\n');
  });
});
