import { Harness, probe, uid } from './support';

type Event = Record<string, unknown> & { EventType: string };

/** Fires retry-delay timers one by one until the instance finishes. */
async function driveTimers(h: Harness, id: string): Promise<void> {
  const finished = (s: string | undefined) => s === 'Completed' || s === 'Failed';
  while (!finished(h.engine.getStatus(id)?.runtimeStatus)) {
    await h.engine.waitForStatus(id, (s) => finished(s.runtimeStatus) || h.clock.pending().length > 0);
    const next = h.clock.pending()[0];
    if (next !== undefined) await h.clock.advanceTo(next);
  }
}

describe('durable conformance: retries and sub-orchestrations', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('retries with exponential backoff until an attempt succeeds', async () => {
    const key = uid('retry-ok');
    const id = await h.start('retrying', { key, failTimes: 2, attempts: 4 });
    await driveTimers(h, id);
    const done = await h.done(id);
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output).toBe(3); // the third attempt succeeded
    expect(probe().calls[`flaky:${key}`]).toBe(3);
    const history = (await h.history(id)) as Event[];
    const attempts = history.filter((e) => e.EventType === 'TaskFailed' || e.EventType === 'TaskCompleted');
    expect(attempts.map((e) => e.EventType)).toEqual(['TaskFailed', 'TaskFailed', 'TaskCompleted']);
    const scheduled = attempts.map((e) => Date.parse(e.ScheduledTime as string));
    // firstRetryInterval 1 s, backoff 2: attempt 2 starts 1 s after attempt 1 failed, attempt 3 2 s after attempt 2.
    const failedAt = attempts.slice(0, 2).map((e) => Date.parse(e.Timestamp as string));
    expect(scheduled[1]! - failedAt[0]!).toBe(1000);
    expect(scheduled[2]! - failedAt[1]!).toBe(2000);
    expect(history.filter((e) => e.EventType === 'TimerFired')).toHaveLength(2);
  });

  it('fails after the last attempt with the activity error', async () => {
    const key = uid('retry-exhausted');
    const id = await h.start('retrying', { key, failTimes: 10, attempts: 3 });
    await driveTimers(h, id);
    const done = await h.done(id);
    expect(done.runtimeStatus).toBe('Failed');
    expect(done.output).toContain('flaky attempt 3 failed');
    expect(probe().calls[`flaky:${key}`]).toBe(3);
  });

  it('retries a failing sub-orchestration with a new child instance per attempt', async () => {
    const key = uid('child-retry');
    const id = await h.start('childWithRetry', { key, failTimes: 1 });
    await driveTimers(h, id);
    const done = await h.done(id);
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output).toBe(2);
    const history = (await h.history(id)) as Event[];
    const outcomes = history.filter((e) => e.EventType.startsWith('SubOrchestrationInstance'));
    expect(outcomes.map((e) => e.EventType)).toEqual([
      'SubOrchestrationInstanceFailed',
      'SubOrchestrationInstanceCompleted',
    ]);
    expect(outcomes[0]?.Reason).toContain('flaky attempt 1 failed');
    expect(history.filter((e) => e.EventType === 'TimerFired')).toHaveLength(1);
  });

  it('runs sub-orchestrations (generated and explicit ids) and returns their outputs', async () => {
    const id = await h.start('parent');
    const done = await h.done(id);
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output).toEqual({
      a: { n: 5, doubled: 10, parent: id },
      b: { n: 7, doubled: 14, parent: id },
    });
    const named = h.engine.getStatus(`${id}-named-child`);
    expect(named?.runtimeStatus).toBe('Completed');
    expect(named?.name).toBe('child');
    const created = (await h.history(id)).filter((e) => e.EventType === 'SubOrchestrationInstanceCompleted');
    expect(created.map((e) => e.FunctionName)).toEqual(['child', 'child']);
  });

  it('propagates a sub-orchestration failure to a parent that catches it', async () => {
    const id = await h.start('parentOfFailing', 'no data');
    const done = await h.done(id);
    expect(done.runtimeStatus).toBe('Completed');
    expect((done.output as { caught: string }).caught).toContain(
      "Orchestrator function 'failingChild' failed: child gave up: no data",
    );
  });

  it('fails a parent that does not catch a failing sub-orchestration', async () => {
    const id = await h.start('parentUncaught', 'bad shard');
    const done = await h.done(id);
    expect(done.runtimeStatus).toBe('Failed');
    expect(done.output).toContain("Orchestrator function 'parentUncaught' failed:");
    expect(done.output).toContain('child gave up: bad shard');
  });

  it('continues as new with a fresh history until the counter is done', async () => {
    const id = await h.start('counter', 0);
    const done = await h.done(id);
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output).toEqual({ final: 3 });
    expect(done.input).toBe(3);
    const history = (await h.history(id)) as Event[];
    // Only the last execution's history is kept.
    expect(history.filter((e) => e.EventType === 'ExecutionStarted')).toHaveLength(1);
    expect(history.filter((e) => e.EventType === 'TaskCompleted')).toHaveLength(1);
  });
});
