import type { AttemptSummary } from '../../../src/runs/records';
import {
  aContainerPipeline,
  type ContainerE2E,
  memoryHog,
  startContainerE2E,
  uploadInput,
} from './container-stack';

/**
 * Retry classes (docs/pipeline-spec.md, "Retry classes") with real containers: a step that touches 96 MB is
 * killed under 0.1 GB (the kernel enforces --memory; process mode cannot OOM) and succeeds on its retry with
 * twice the memory, on ACI and on Batch. Each attempt's container prints the memory limit it was created with.
 */
let e2e: ContainerE2E;
beforeAll(async () => {
  e2e = await startContainerE2E();
}, 300_000);
afterAll(async () => {
  await e2e?.stop();
  // Nothing of this stack is left in the engine.
  expect(e2e ? e2e.containers() : []).toEqual([]);
}, 120_000);

/** The text of the step's log of one attempt (ACI: step.log; Batch: stdout.txt). */
async function attemptLog(runId: string, attempt: number): Promise<string> {
  const results = e2e.blobs.getContainerClient('results');
  let text = '';
  for await (const blob of results.listBlobsFlat({ prefix: `${runId}/` })) {
    if (!blob.name.includes(`/attempt-${attempt}/logs/`)) continue;
    if (!/(\/step\.log|stdout\.txt)$/.test(blob.name)) continue;
    text += (await results.getBlobClient(blob.name).downloadToBuffer()).toString();
  }
  return text;
}

const limitOf = (log: string) => Number(/^(\d+)$/m.exec(log)?.[1] ?? Number.NaN);

it.each(['aci', 'batch'] as const)(
  'an OOM-killed %s step succeeds on its retry with twice the memory',
  async (backend) => {
    const name = `oom-${backend}`;
    await uploadInput(e2e, name);
    const runId = await e2e.start({
      pipeline: aContainerPipeline(name, {
        command: memoryHog(96),
        backend,
        memoryGB: 0.1,
        retries: 2,
        retry: { onOutOfMemory: { memoryFactor: 2, maxMemoryGB: 1 } },
      }),
    });
    const { view, manifest } = await e2e.ended(runId);
    expect(view.status).toBe('succeeded');
    const step = manifest.images[0]?.steps[0];
    expect(step).toMatchObject({ status: 'succeeded', attempts: 2, exitCode: 0 });
    const history = step?.attemptHistory ?? [];
    expect(history.map((a: AttemptSummary) => [a.attempt, a.memoryGb, a.exitCode, a.outOfMemory])).toEqual([
      [1, 0.1, 137, true],
      [2, 0.2, 0, undefined],
    ]);
    // The status view shows the same attempts.
    expect(view.images[0]?.steps[0]?.attemptHistory?.map((a) => a.memoryGb)).toEqual([0.1, 0.2]);
    // What each container was created with: --memory of 0.1 GB, then 0.2 GB (Batch rounds to whole MB).
    const [first, second] = [await attemptLog(runId, 1), await attemptLog(runId, 2)];
    expect(limitOf(first)).toBeGreaterThan(0.09 * 1024 ** 3);
    expect(limitOf(first)).toBeLessThanOrEqual(0.101 * 1024 ** 3);
    expect(limitOf(second)).toBeGreaterThan(0.19 * 1024 ** 3);
    expect(limitOf(second)).toBeLessThanOrEqual(0.201 * 1024 ** 3);
    expect(first).not.toContain('allocated 96 MB');
    expect(second).toContain('allocated 96 MB');
    // The cost estimate charges each attempt at its own memory (more than the spec's 0.1 GB x total time).
    if (backend === 'aci') {
      const gbSeconds = history.reduce((sum, a) => sum + (a.runMs / 1000) * a.memoryGb, 0);
      expect(manifest.cost.aciGbSeconds).toBeCloseTo(gbSeconds, 2);
    }
    expect(e2e.containers()).toEqual([]);
  },
  240_000,
);

it('an OOM kill at the cap is not retried, and says why', async () => {
  const name = 'oom-cap';
  await uploadInput(e2e, name);
  const runId = await e2e.start({
    pipeline: aContainerPipeline(name, {
      command: memoryHog(96),
      memoryGB: 0.1,
      retries: 3,
      retry: { onOutOfMemory: { maxMemoryGB: 0.1 } },
    }),
  });
  const { manifest } = await e2e.ended(runId);
  const step = manifest.images[0]?.steps[0];
  expect(step).toMatchObject({ status: 'failed', attempts: 1, exitCode: 137 });
  expect(step?.error?.message).toMatch(/OOMKilled.*not retried: out of memory at the cap of 0.1 GB/);
}, 240_000);
