import { startAzurite, type Azurite } from '../../packages/emulators/stack/azurite';
import { aPipeline, type E2E, startE2E, uploadImages } from './support/harness';

/**
 * Storage down (docs/security.md, "Storage failures"): every request-path call is bounded, so the API answers
 * 503 with a JSON body in seconds; health names the dependency; the run list never hides the failure. An
 * `Idempotency-Key` makes a client's retry safe. The stack's own Azurite (not the shared test one) is stopped.
 */
let e2e: E2E;
let restarted: Azurite | undefined;
beforeAll(async () => {
  e2e = await startE2E();
}, 60_000);
afterAll(async () => {
  await restarted?.stop();
  await e2e?.stop();
});

const FAST_MS = 6_000;

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = Date.now();
  const value = await work();
  return { ms: Date.now() - started, value };
}

test('storage down: 503 fast with JSON everywhere, health says storage; back up: 200 again', async () => {
  await uploadImages(e2e, ['outage/a.tif']);
  const pipeline = aPipeline({ name: 'outage', inputs: { container: 'images', prefix: 'outage/' } });
  expect((await e2e.api('health')).status).toBe(200);
  expect((await e2e.api('listRuns')).status).toBe(200);

  await e2e.stack.azurite.stop();
  // The health answer is reused for at most a second.
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  const calls: [string, Parameters<E2E['api']>[1]][] = [
    ['health', {}],
    ['listRuns', {}],
    ['startRun', { body: { pipeline } }],
    ['startRun', { body: { pipeline: 'outage' } }],
    ['getPipeline', { params: { name: 'outage' } }],
  ];
  for (const [name, call] of calls) {
    const { ms, value } = await timed(() =>
      e2e.api<{ error: { code: string; dependency?: string } }>(name, call),
    );
    expect([name, value.status]).toEqual([name, 503]);
    expect(ms).toBeLessThan(FAST_MS);
    if (name === 'health') expect(value.body).toMatchObject({ status: 'unavailable', down: ['storage'] });
    else expect(value.body.error).toMatchObject({ code: 'storage_unavailable', dependency: 'storage' });
  }
  expect(JSON.stringify(e2e.stack.aci.resources())).toBe('[]');

  restarted = await startAzurite({
    location: e2e.stack.azurite.location,
    port: e2e.stack.azurite.port,
    tls: e2e.stack.certificate,
    oauth: true,
  });
  await e2e.until(async () => (await e2e.api('health')).status === 200, { stepMs: 0, timeoutMs: 20_000 });
  const list = await e2e.api<{ runs: unknown[] }>('listRuns');
  expect(list.status).toBe(200);
  // Nothing was started while storage was down (the starts above were answered 503).
  expect(list.body.runs).toEqual([]);
}, 120_000);

test('Idempotency-Key: a retry gets the same run, another body with the key is 409', async () => {
  await uploadImages(e2e, ['idem/a.tif', 'idem/b.tif']);
  const pipeline = aPipeline({ name: 'idem', inputs: { container: 'images', prefix: 'idem/' } });
  const headers = { 'idempotency-key': 'client-7f3a-0001' };
  const first = await e2e.api<{ runId: string }>('startRun', { body: { pipeline }, headers });
  expect(first.status).toBe(202);
  const again = await e2e.api<{ runId: string }>('startRun', { body: { pipeline }, headers });
  expect(again.status).toBe(200);
  expect(again.body.runId).toBe(first.body.runId);
  const other = await e2e.api<{ error: { code: string } }>('startRun', {
    body: { pipeline, images: ['idem/a.tif'] },
    headers,
  });
  expect(other.status).toBe(409);
  expect(other.body.error.code).toBe('idempotency_key_reused');
  const bad = await e2e.api<{ error: { details: { path: string }[] } }>('startRun', {
    body: { pipeline },
    headers: { 'idempotency-key': 'x'.repeat(201) },
  });
  expect(bad.status).toBe(400);
  expect(bad.body.error.details[0]?.path).toBe('headers.Idempotency-Key');
  const runs = await e2e.api<{ runs: { runId: string }[] }>('listRuns', { query: { pipeline: 'idem' } });
  expect(runs.body.runs.map((r) => r.runId)).toEqual([first.body.runId]);
  await e2e.until(async () => {
    const view = await e2e.api<{ runtimeStatus: string }>('getRun', { params: { id: first.body.runId } });
    return view.body.runtimeStatus === 'Completed';
  });
}, 120_000);
