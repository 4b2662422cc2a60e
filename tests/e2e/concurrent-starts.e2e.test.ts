/**
 * Many starts at once against the embedded stack: every answer is 202 (or a documented 4xx/503 with a JSON
 * error body), never a 500, and every accepted run exists and reaches an end.
 */
import type { RunView } from '../../src/api/run-view';
import { aPipeline, type E2E, startE2E, uploadImages } from './support/harness';

let e2e: E2E;

beforeAll(async () => {
  e2e = await startE2E();
  await uploadImages(e2e, ['damage/only.tif']);
}, 60_000);

afterAll(async () => {
  await e2e.stop();
});

test('50 concurrent POST /api/runs: 202 or a JSON 4xx/503, never 500; every accepted run exists', async () => {
  const pipeline = aPipeline({
    steps: [{ id: 'tile', image: 'busybox:1.36', command: 'tile', timeout: '10m' }],
  });
  const answers = await Promise.all(
    Array.from({ length: 50 }, () =>
      e2e.api<Record<string, unknown>>('startRun', { body: { pipeline, images: ['damage/only.tif'] } }),
    ),
  );
  const statuses = answers.map((a) => a.status);
  expect(statuses.filter((s) => s >= 500 && s !== 503)).toEqual([]);
  for (const answer of answers.filter((a) => a.status !== 202)) {
    // 503 (a dependency did not answer; Retry-After) is the one documented non-202 answer to a valid start.
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
  }
  const accepted = answers.filter((a) => a.status === 202).map((a) => String(a.body.runId));
  expect(accepted.length).toBeGreaterThan(0);
  expect(new Set(accepted).size).toBe(accepted.length);
  for (const runId of accepted) {
    const view = await e2e.api<RunView>('getRun', { params: { id: runId } });
    expect(view.status).toBe(200);
    expect(view.body.runId).toBe(runId);
  }
  const ended = async () => {
    for (const runId of accepted) {
      const view = await e2e.api<RunView>('getRun', { params: { id: runId } });
      if (view.body.runtimeStatus !== 'Completed') return false;
    }
    return true;
  };
  await e2e.until(ended, { stepMs: 3000, timeoutMs: 240_000 });
  for (const runId of accepted) {
    const view = await e2e.api<RunView>('getRun', { params: { id: runId } });
    expect(view.body.status).toBe('succeeded');
    expect(view.body.counts.succeeded).toBe(1);
  }
}, 300_000);
