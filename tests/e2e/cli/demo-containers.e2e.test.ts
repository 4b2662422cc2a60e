import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scenes } from '../../../samples/damage-assessment/make-images';
import { runCli, withStateStorage } from '../support/cli';

/**
 * The demo with real containers: `FLOTILLA_LOCAL_ENGINE=podman` runs every step, the stager included, as a
 * podman container of the sample's images (built from containers/ when missing), and every output blob is
 * byte for byte what process mode makes of the same images. Nothing is left running afterwards.
 */
interface RunResult {
  readonly runId: string;
  readonly status: string;
  readonly counts: { total: number; succeeded: number };
  readonly leftovers: { groups: number; activeJobs: number; tasks: number };
}

const states: string[] = [];
/** The CLI processes' pids: their containers carry `flotilla.pid=<pid>` (other test files run containers too). */
const pids: number[] = [];
afterAll(() => {
  for (const state of states) rmSync(state, { recursive: true, force: true });
});

/** Runs the demo in one mode; returns the result, what the CLI said, and every output blob's SHA-256. */
async function demo(engine: 'podman' | 'process') {
  const state = mkdtempSync(join(tmpdir(), `flotilla-demo-${engine}-`));
  states.push(state);
  const run = runCli(
    [
      'run',
      'samples/damage-assessment/pipeline.yaml',
      '--images',
      'samples/damage-assessment/images/*.pgm',
      '--state',
      state,
      '--json',
    ],
    { FLOTILLA_LOCAL_ENGINE: engine },
  );
  pids.push(run.child.pid ?? 0);
  const code = await run.exited;
  expect({ engine, code, stderr: code === 0 ? '' : run.stderr }).toEqual({ engine, code: 0, stderr: '' });
  const result = run.events.find((e) => e.event === 'result') as unknown as RunResult;
  const said = run.events.filter((e) => e.event === 'log').map((e) => String(e.message));
  const outputs = await withStateStorage(state, async (blobs) => {
    const results = blobs.getContainerClient('results');
    const digests: Record<string, string> = {};
    for await (const blob of results.listBlobsFlat({ prefix: `${result.runId}/` })) {
      // Outputs only: logs and start journals differ by nature (timestamps, container ids).
      if (!/\/out\//.test(blob.name) && !blob.name.includes('/finalize/')) continue;
      if (/\.log$|\/logs\//.test(blob.name)) continue;
      const bytes = await results.getBlobClient(blob.name).downloadToBuffer();
      digests[blob.name.slice(result.runId.length + 1)] = createHash('sha256').update(bytes).digest('hex');
    }
    return digests;
  });
  return { result, said, outputs };
}

it('runs the sample with real podman containers, with the same outputs as process mode', async () => {
  const containers = await demo('podman');
  expect(containers.said.some((line) => line.includes('running steps as podman containers'))).toBe(true);
  expect(containers.result.status).toBe('succeeded');
  expect(containers.result.counts).toMatchObject({ total: scenes.length, succeeded: scenes.length });
  expect(containers.result.leftovers).toEqual({ groups: 0, activeJobs: 0, tasks: 0 });

  const processes = await demo('process');
  expect(processes.said.some((line) => line.includes('running steps as local processes'))).toBe(true);
  expect(Object.keys(containers.outputs).length).toBeGreaterThan(scenes.length * 3);
  expect(Object.keys(containers.outputs).some((name) => name.endsWith('merged.geojson'))).toBe(true);
  expect(containers.outputs).toEqual(processes.outputs);

  // Nothing of either run is left in the engine (only these CLI processes' containers: other files run theirs).
  const left = pids
    .map((pid) =>
      execFileSync('podman', ['ps', '-a', '--filter', `label=flotilla.pid=${pid}`, '--format', '{{.ID}}'], {
        encoding: 'utf8',
      }),
    )
    .join('');
  expect(left.trim()).toBe('');
}, 420_000);
