import { Harness, uid } from './support';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

type Event = Record<string, unknown> & { EventType: string };

describe('durable conformance: timers and external events (virtual clock)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('Task.any of an event and a timer: the event wins and the timer is canceled', async () => {
    const id = await h.start('eventOrTimer', { timeoutMs: HOUR });
    await h.until(id, 'Running');
    await h.timersArmed(1);
    const raised = await h.op('raise', id, { event: 'approve' }, { approvedBy: 'ops' });
    expect(raised.status).toBe(202);
    const done = await h.done(id);
    expect(done.output).toEqual({ winner: 'event', data: { approvedBy: 'ops' } });
    // The canceled timer does not keep the instance open and never fires.
    const history = await h.history(id);
    expect(history.filter((e) => e.EventType === 'TimerFired')).toHaveLength(0);
    expect(history.map((e) => e.EventType)).toContain('EventRaised');
  });

  it('Task.any of an event and a timer: the timer wins when time passes', async () => {
    const id = await h.start('eventOrTimer', { timeoutMs: HOUR });
    await h.until(id, 'Running');
    await h.timersArmed(1);
    const startedAt = h.clock.now();
    await h.clock.advance(HOUR);
    const done = await h.done(id);
    const out = done.output as { winner: string; at: string };
    expect(out.winner).toBe('timer');
    expect(Date.parse(out.at)).toBeGreaterThanOrEqual(startedAt + HOUR);
    const history = (await h.history(id)) as Event[];
    expect(history.filter((e) => e.EventType === 'TimerFired')).toHaveLength(1);
  });

  it('buffers an event raised before the orchestrator waits for it', async () => {
    const id = await h.start('eventLater');
    await h.timersArmed(1);
    // The orchestrator is still in its 1-minute timer: nobody waits for 'go' yet.
    await h.op('raise', id, { event: 'go' }, 'early bird');
    expect(h.engine.getStatus(id)?.runtimeStatus).toBe('Running');
    await h.clock.advance(60_000);
    const done = await h.done(id);
    expect(done.output).toEqual({ got: 'early bird' });
  });

  it('sleeps through a 7-day timer in slices of at most 6 days', async () => {
    const id = await h.start('longSleep', 7);
    await h.timersArmed(1);
    const begin = h.clock.now();
    const first = Math.min(...h.clock.pending());
    expect(first - begin).toBe(3 * DAY); // 7 days > 6: the first slice is the 3-day interval
    await h.clock.advance(7 * DAY);
    const done = await h.done(id);
    const out = done.output as { start: string; woke: string };
    expect(Date.parse(out.woke) - Date.parse(out.start)).toBeGreaterThanOrEqual(7 * DAY);
    expect(Date.parse(out.woke) - Date.parse(out.start)).toBeLessThan(7 * DAY + HOUR);
    const fired = (await h.history(id)).filter((e) => e.EventType === 'TimerFired');
    expect(fired.map((e) => Date.parse(e.FireAt as string) - Date.parse(out.start))).toEqual([
      3 * DAY,
      7 * DAY,
    ]);
  });

  it('sleeps through a 20-day timer with several slices', async () => {
    const id = await h.start('longSleep', 20);
    // Fire one slice at a time, waiting for the orchestrator to arm the next one.
    while (h.engine.getStatus(id)?.runtimeStatus !== 'Completed') {
      await h.timersArmed(1);
      await h.clock.advanceTo(h.clock.pending()[0]!);
      await h.engine.waitForStatus(
        id,
        (s) => s.runtimeStatus === 'Completed' || h.clock.pending().length > 0,
      );
    }
    const done = await h.done(id);
    const out = done.output as { start: string; woke: string };
    const fired = (await h.history(id)).filter((e) => e.EventType === 'TimerFired');
    const offsets = fired.map((e) => (Date.parse(e.FireAt as string) - Date.parse(out.start)) / DAY);
    expect(offsets).toEqual([3, 6, 9, 12, 15, 20]);
  });

  it('answers 410 to an event for a completed instance (the client resolves)', async () => {
    const id = await h.start('sequence', ['Oslo']);
    await h.done(id);
    const res = await h.host.fetch(`/durabletask/instances/${id}/raiseEvent/late`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '1',
    });
    expect(res.status).toBe(410);
    expect((await h.op('raise', id, { event: 'late' }, 1)).status).toBe(202);
    expect((await h.op('raise', uid('missing'), { event: 'x' }, 1)).status).toBe(400);
  });
});
