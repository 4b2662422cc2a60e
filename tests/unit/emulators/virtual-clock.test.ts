import { VirtualClock } from '../../../packages/emulators/common/clock';

/** Real I/O that a timer's work starts takes no virtual time: the clock waits for it before it moves on. */
describe('VirtualClock.track', () => {
  it('counts tracked work as due and does not pass later timers until it has settled', async () => {
    const clock = new VirtualClock(0);
    const seen: string[] = [];
    let finish!: () => void;
    clock.schedule(1_000, () => {
      const io = new Promise<void>((resolve) => (finish = resolve)).then(() => {
        seen.push(`io done at ${clock.now()}`);
      });
      clock.track(io);
    });
    clock.schedule(2_000, () => seen.push(`timer at ${clock.now()}`));
    const advancing = clock.advance(5_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(clock.dueNow()).toBe(1);
    expect(seen).toEqual([]);
    finish();
    await advancing;
    expect(seen).toEqual(['io done at 1000', 'timer at 2000']);
    expect(clock.dueNow()).toBe(0);
  });

  it('lets a failed tracked promise go without stopping the clock', async () => {
    const clock = new VirtualClock(0);
    clock.schedule(10, () => clock.track(Promise.reject(new Error('upload refused'))));
    await clock.advance(20);
    expect(clock.now()).toBe(20);
    expect(clock.dueNow()).toBe(0);
  });
});
