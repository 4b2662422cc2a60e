import { Harness, uid } from './support';

const BASES = ['/durabletask', '/runtime/webhooks/durabletask'];

describe('durable conformance: management API status codes on both bases', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start();
  });
  afterAll(async () => {
    await h.stop();
  });

  it.each(BASES)('answers 404 with a JSON error for an unknown instance (%s)', async (base) => {
    const id = uid('nobody');
    for (const [method, path] of [
      ['GET', `instances/${id}`],
      ['POST', `instances/${id}/terminate?reason=x`],
      ['POST', `instances/${id}/raiseEvent/e`],
      ['POST', `instances/${id}/suspend`],
      ['DELETE', `instances/${id}`],
    ] as const) {
      const res = await h.host.fetch(`${base}/${path}`, { method });
      expect([method, path, res.status]).toEqual([method, path, 404]);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(((await res.json()) as { error: string }).error).toContain(id);
    }
  });

  it.each(BASES)('starts through the raw route with an id, input and version (%s)', async (base) => {
    const id = uid('raw');
    const res = await h.host.fetch(`${base}/orchestrators/sequence/${id}?version=2.0`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(['Lagos']),
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('retry-after')).toBe('10');
    const payload = (await res.json()) as Record<string, string>;
    expect(Object.keys(payload).sort()).toEqual(
      [
        'id',
        'statusQueryGetUri',
        'sendEventPostUri',
        'terminatePostUri',
        'purgeHistoryDeleteUri',
        'restartPostUri',
        'suspendPostUri',
        'resumePostUri',
      ].sort(),
    );
    await h.done(id);
    const status = await h.host.fetch(`${base}/instances/${id}?showInput=false`);
    expect(status.status).toBe(200);
    const body = (await status.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      instanceId: id,
      runtimeStatus: 'Completed',
      input: null,
      output: ['Hello Lagos!'],
    });
    expect(body.createdTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(body).not.toHaveProperty('historyEvents');
  });

  it('hides history results unless showHistoryOutput is set', async () => {
    const id = await h.start('sequence', ['Hanoi']);
    await h.done(id);
    const without = await h.history(id, false);
    const completed = without.find((e) => e.EventType === 'TaskCompleted');
    expect(completed).toMatchObject({ FunctionName: 'sayHello' });
    expect(completed).not.toHaveProperty('Result');
    const withOutput = await h.history(id, true);
    expect(withOutput.find((e) => e.EventType === 'TaskCompleted')?.Result).toBe('Hello Hanoi!');
    expect(withOutput.at(-1)).toMatchObject({
      EventType: 'ExecutionCompleted',
      OrchestrationStatus: 'Completed',
    });
    expect(withOutput.some((e) => e.EventType === 'OrchestratorStarted')).toBe(false);
  });

  it('rejects wrong methods and unknown routes with JSON errors', async () => {
    const get = await h.host.fetch('/durabletask/orchestrators/sequence');
    expect(get.status).toBe(405);
    const badEncoding = await h.host.fetch('/durabletask/instances/%E0%A4%A');
    expect(badEncoding.status).toBe(400);
    expect(((await badEncoding.json()) as { error: string }).error).toContain('percent-encoding');
    const unknown = await h.host.fetch('/durabletask/whatever');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toContain('/durabletask/whatever');
    const restart = await h.host.fetch(`/durabletask/instances/${await h.start('waitForever')}/restart`, {
      method: 'POST',
    });
    expect(restart.status).toBe(501);
  });
});
