import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scenes } from '../../../samples/damage-assessment/make-images';
import { runCli, withStateStorage } from '../support/cli';

// The demo as a user runs it: the compiled CLI boots Azurite, the emulators and the host, runs the sample
// pipeline's real step programs as local processes, and leaves the merged GeoJSON in Azurite.
describe('flotilla run on the embedded stack (the demo)', () => {
  let state: string;
  beforeAll(() => (state = mkdtempSync(join(tmpdir(), 'flotilla-demo-'))));
  afterAll(() => rmSync(state, { recursive: true, force: true }));

  it('runs the damage-assessment sample to a merged FeatureCollection and exits 0', async () => {
    const run = runCli([
      'run',
      'samples/damage-assessment/pipeline.yaml',
      '--images',
      'samples/damage-assessment/images/*.pgm',
      '--state',
      state,
      '--json',
    ]);
    const code = await run.exited;
    const result = run.events.find((e) => e.event === 'result') as {
      runId: string;
      status: string;
      exitCode: number;
      counts: { total: number; succeeded: number };
      leftovers: { groups: number; activeJobs: number; tasks: number };
    };
    expect({ code, stderr: code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.status).toBe('succeeded');
    expect(result.counts).toMatchObject({ total: scenes.length, succeeded: scenes.length });
    expect(result.leftovers).toEqual({ groups: 0, activeJobs: 0, tasks: 0 });

    const merged = await withStateStorage(state, async (blobs) => {
      const results = blobs.getContainerClient('results');
      for await (const blob of results.listBlobsFlat({ prefix: `${result.runId}/` })) {
        if (blob.name.endsWith('/merged.geojson')) {
          return JSON.parse((await results.getBlobClient(blob.name).downloadToBuffer()).toString()) as {
            type: string;
            features: { properties: { image: string } }[];
          };
        }
      }
      return undefined;
    });
    expect(merged?.type).toBe('FeatureCollection');
    expect(merged?.features).toHaveLength(scenes.reduce((n, s) => n + s.areas.length, 0));

    // The step logs outlive the containers: `flotilla logs` restarts the stack on the same state folder.
    const first = scenes[0]!.name;
    const logs = runCli([
      'logs',
      result.runId,
      '--image',
      `${first}.pgm`,
      '--step',
      'tile',
      '--state',
      state,
      '--json',
    ]);
    expect(await logs.exited).toBe(0);
    const [saved] = logs.events as { steps: { step: string; logs: { text: string }[] }[] }[];
    expect(saved?.steps.map((s) => s.step)).toEqual(['tile']);
    expect(saved?.steps[0]?.logs.map((l) => l.text).join('')).toContain(
      `cut ${first}.pgm (64x64) into 4 tiles`,
    );
  }, 180_000);
});
