import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { VirtualClock } from '../../packages/emulators/common/clock';
import { Harness, openGate, probe, uid } from './support';
import { waitFor } from '../support/wait-for';

const DAY = 24 * 3600_000;

async function until(predicate: () => boolean, what: string, timeoutMs = 10000): Promise<void> {
  await waitFor(predicate, { what, timeoutMs, intervalMs: 5 });
}

describe('durable conformance: restart on the same state folder', () => {
  let stateDir: string;
  beforeEach(() => {
    stateDir = mkdtempSync(path.join(os.tmpdir(), 'durable-restart-'));
  });
  afterEach(() => {
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('resumes a run stopped mid-activity; completed activities are not run again', async () => {
    const run = uid('restart');
    const calls = () => probe().calls;
    const first = await Harness.start({ stateDir });
    const id = await first.start('steps', { run, gatedStep: 3, total: 4 });
    await until(() => calls()[`step:${run}-3`] === 1, 'step 3 to start');
    expect(first.engine.getStatus(id)?.runtimeStatus).toBe('Running');

    // Stop while step 3 is running: its result arrives after the stop and is never persisted (a crash).
    const stopping = first.stop({ keepState: true });
    openGate(`${run}-3`);
    await stopping;

    const second = await Harness.start({ stateDir });
    try {
      const done = await second.done(id);
      expect(done.runtimeStatus).toBe('Completed');
      expect(done.output).toEqual([`done ${run}-1`, `done ${run}-2`, `done ${run}-3`, `done ${run}-4`]);
      expect(calls()[`step:${run}-1`]).toBe(1);
      expect(calls()[`step:${run}-2`]).toBe(1);
      expect(calls()[`step:${run}-3`]).toBe(2); // at-least-once: its completion was lost with the first engine
      expect(calls()[`step:${run}-4`]).toBe(1);
      expect(second.engine.stats().activityInvocations).toBe(2);
    } finally {
      await second.stop({ keepState: true });
    }
  });

  it('keeps a pending long timer, custom status and buffered events across a restart', async () => {
    const clock = new VirtualClock();
    const first = await Harness.start({ stateDir, clock });
    const sleeper = await first.start('longSleep', 7);
    const waiter = await first.start('withStatus');
    await first.timersArmed(1);
    await first.engine.waitForStatus(waiter, (s) => s.customStatus !== null);
    await first.stop({ keepState: true });

    const second = await Harness.start({ stateDir, clock: new VirtualClock(clock.now()) });
    try {
      expect(second.engine.getStatus(waiter)).toMatchObject({
        runtimeStatus: 'Running',
        customStatus: { stage: 'waiting', step: 1 },
      });
      await second.op('raise', waiter, { event: 'next' }, 'after restart');
      expect((await second.done(waiter)).output).toBe('after restart');

      await second.timersArmed(1);
      await second.clock.advance(3 * DAY);
      await second.timersArmed(1);
      await second.clock.advance(4 * DAY);
      const done = await second.done(sleeper);
      const out = done.output as { start: string; woke: string };
      expect(Date.parse(out.woke) - Date.parse(out.start)).toBe(7 * DAY);
    } finally {
      await second.stop({ keepState: true });
    }
  });
});
