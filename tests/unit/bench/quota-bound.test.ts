import { DEFAULT_QUOTAS } from '../../../packages/emulators/aci/options';
import { QuotaTracker } from '../../../packages/emulators/aci/quotas';
import { FIVE_MINUTES_MS, HOUR_MS, quotaBoundMs, rateBoundMs } from '../../../bench/quota-bound';

const closedForm = (n: number, per5Min: number, perHour: number): number =>
  Math.floor((n - 1) / perHour) * HOUR_MS + Math.floor(((n - 1) % perHour) / per5Min) * FIVE_MINUTES_MS;

/** Sends `count` deletes to the ACI emulator's tracker as early as it accepts them (1 s steps); the last time. */
function emulatorMakespan(count: number, per5Min: number, perHour: number): number {
  const tracker = new QuotaTracker({ ...DEFAULT_QUOTAS, deletesPer5Min: per5Min, deletesPerHour: perHour });
  let sent = 0;
  let last = 0;
  for (let now = 0; sent < count; now += 1000) {
    for (;;) {
      try {
        tracker.checkAndRecordDelete('sub', 'westeurope', now);
      } catch {
        break;
      }
      sent++;
      last = now;
      if (sent === count) break;
    }
  }
  return last;
}

describe('rateBoundMs', () => {
  it("gives ACI's defaults (100 / 5 min, 300 / h) their known bounds", () => {
    const limits = { per5Min: 100, perHour: 300 };
    expect(rateBoundMs(0, limits)).toBe(0);
    expect(rateBoundMs(100, limits)).toBe(0);
    expect(rateBoundMs(101, limits)).toBe(FIVE_MINUTES_MS);
    expect(rateBoundMs(300, limits)).toBe(2 * FIVE_MINUTES_MS);
    expect(rateBoundMs(301, limits)).toBe(HOUR_MS);
    expect(rateBoundMs(900, limits)).toBe(2 * HOUR_MS + 2 * FIVE_MINUTES_MS);
    expect(rateBoundMs(1000, limits)).toBe(3 * HOUR_MS);
  });

  it('matches the closed form when the 5-minute bursts of an hour fit in the hour', () => {
    for (const [per5Min, perHour] of [
      [100, 300],
      [100, 250],
      [7, 20],
      [3, 3],
    ] as const)
      for (const n of [1, 2, per5Min, per5Min + 1, perHour, perHour + 1, 3 * perHour + 5, 1234])
        expect({ per5Min, perHour, n, ms: rateBoundMs(n, { per5Min, perHour }) }).toEqual({
          per5Min,
          perHour,
          n,
          ms: closedForm(n, per5Min, perHour),
        });
  });

  it('is only the 5-minute limit when that one is always the tighter', () => {
    expect(rateBoundMs(30, { per5Min: 1, perHour: 20 })).toBe(29 * FIVE_MINUTES_MS);
  });

  it('is the makespan of the ACI emulator itself, sending each delete as early as it is accepted', () => {
    for (const [n, per5Min, perHour] of [
      [20, 3, 7],
      [25, 1, 20],
      [13, 4, 10],
    ] as const)
      expect(rateBoundMs(n, { per5Min, perHour })).toBe(emulatorMakespan(n, per5Min, perHour));
  });

  it('is 0 under unlimited limits and names a bad argument', () => {
    expect(rateBoundMs(10_000, { per5Min: Infinity, perHour: Infinity })).toBe(0);
    expect(() => rateBoundMs(-1, { per5Min: 1, perHour: 1 })).toThrow(/count must be a non-negative integer/);
    expect(() => rateBoundMs(5, { per5Min: 0, perHour: 1 })).toThrow(/limits\.per5Min must be an integer/);
  });
});

describe('quotaBoundMs', () => {
  it('is the larger of the create and delete bounds', () => {
    const unlimited = { per5Min: Infinity, perHour: Infinity };
    const defaults = { per5Min: 100, perHour: 300 };
    expect(quotaBoundMs(900, { creates: unlimited, deletes: defaults })).toBe(2 * HOUR_MS + 10 * 60_000);
    expect(quotaBoundMs(900, { creates: { per5Min: 10, perHour: 1000 }, deletes: defaults })).toBe(
      89 * FIVE_MINUTES_MS,
    );
    expect(quotaBoundMs(900, { creates: unlimited, deletes: unlimited })).toBe(0);
  });
});
