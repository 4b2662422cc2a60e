import { Harness, probe } from './support';

describe('durable conformance: activities, fan-out, failures, determinism', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('runs a sequence of activities in order', async () => {
    const id = await h.start('sequence', ['Tokyo', 'Seattle', 'London']);
    const done = await h.done(id);
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output).toEqual(['Hello Tokyo!', 'Hello Seattle!', 'Hello London!']);
    expect(done.input).toEqual(['Tokyo', 'Seattle', 'London']);
  });

  it('fans out to 1,000 activities and fans in their results', async () => {
    const before = h.engine.stats();
    const id = await h.start('fanOut', 1000);
    const done = await h.done(id, 60000);
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output).toEqual({ count: 1000, sum: 999 * 1000 });
    expect(done.customStatus).toBe('fanning out');
    const after = h.engine.stats();
    expect(after.activityInvocations - before.activityInvocations).toBe(1000);
    // Completions are batched: far fewer episodes than activities.
    expect(after.episodes - before.episodes).toBeLessThan(200);
    expect(after.largestHistory).toBeGreaterThanOrEqual(2000);
  });

  it("delivers an activity's error message to the orchestrator", async () => {
    const id = await h.start('catchActivityError', 'disk quota exceeded on node 7');
    const done = await h.done(id);
    expect(done.runtimeStatus).toBe('Completed');
    const caught = (done.output as { caught: string }).caught;
    expect(caught).toContain("Activity function 'fail' failed: disk quota exceeded on node 7");
  });

  it('reports an orchestrator failure with its message', async () => {
    const id = await h.start('throws', 'bad input');
    const done = await h.done(id);
    expect(done.runtimeStatus).toBe('Failed');
    expect(done.output).toContain("Orchestrator function 'throws' failed: orchestrator exploded: bad input");
    const status = await h.status(id);
    expect(status.runtimeStatus).toBe('Failed');
    expect(status.output).toContain('orchestrator exploded: bad input');
  });

  it('keeps newGuid and currentUtcDateTime stable across replays', async () => {
    const id = await h.start('replaySafe');
    const done = await h.done(id);
    const out = done.output as { guid: string; time: string; later: string; isReplaying: boolean };
    const recorded = probe().records.find((r) => r.instanceId === id)?.value as {
      guid: string;
      time: string;
    };
    // Values computed in episode 1 (passed to the activity) equal those recomputed in the final replay.
    expect(recorded).toEqual({ guid: out.guid, time: out.time });
    expect(out.guid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Date.parse(out.later)).toBeGreaterThanOrEqual(Date.parse(out.time));
    expect(out.isReplaying).toBe(false);
    const history = await h.history(id);
    expect(history[0]?.EventType).toBe('ExecutionStarted');
    expect(history.filter((e) => e.EventType === 'TaskCompleted')).toHaveLength(2);
  });

  it('an orchestrator calling an entity that is not registered fails, naming the entity', async () => {
    const id = await h.start('usesEntity');
    const done = await h.done(id);
    expect(done.runtimeStatus).toBe('Failed');
    expect(done.output).toContain("The function 'counter' doesn't exist or is not an entity function");
  });
});
