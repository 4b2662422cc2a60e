import { Harness, probe, uid } from './support';

describe('durable conformance: callHttp (built-in HTTP activity)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('posts, polls a 202 + Location after Retry-After, and refuses non-loopback targets', async () => {
    const job = uid('job');
    const id = await h.start('httpCalls', { base: h.host.url, job });
    await h.timersArmed(1); // the poll timer after the first 202
    const armed = Math.min(...h.clock.pending());
    await h.clock.advanceTo(armed);
    const done = await h.done(id);
    expect(done.runtimeStatus).toBe('Completed');
    const out = done.output as { created: number; polled: number; content: unknown; refused: string };
    expect(out).toMatchObject({ created: 201, polled: 200, content: { done: job } });
    expect(out.refused).toContain('limited to loopback');
    expect(probe().calls[`job:${job}`]).toBe(2);
    expect(probe().records.find((r) => r.instanceId === `job:${job}`)?.value).toBe('{"size":3}');
    const history = await h.history(id);
    const timer = history.find((e) => e.EventType === 'TimerFired');
    const first = history.find(
      (e) => e.EventType === 'TaskCompleted' && e.FunctionName === 'BuiltIn::HttpActivity',
    );
    expect(
      Date.parse(timer?.FireAt as string) - Date.parse(first?.Timestamp as string),
    ).toBeGreaterThanOrEqual(0);
  });
});
