import * as path from 'node:path';
import { VirtualClock } from '../../../packages/emulators/common/clock';
import { startHost, type Host } from '../../../packages/emulators/functions';
import { waitFor } from '../../support/wait-for';

const appDir = path.join(__dirname, '../../fixtures/apps/timers');
interface Seen {
  name: string;
  isPastDue: boolean;
  last: string;
  next: string;
  attempt?: number;
}
const seen = (name: string): Seen[] =>
  ((globalThis as { __fixtureTimers?: Seen[] }).__fixtureTimers ?? []).filter((s) => s.name === name);

describe('embedded host: timer triggers on a virtual clock', () => {
  // Thursday 2026-01-01T00:00:00Z.
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  let host: Host;

  beforeAll(async () => {
    host = await startHost({ appDir, clock });
    await host.settle();
  });
  afterAll(() => host.stop());

  it('runs runOnStartup timers once at start, and only those', () => {
    expect(host.invocations().map((i) => i.name)).toEqual(['hourlyOnStartup']);
  });

  it('fires each schedule the right number of times when a day is skipped', async () => {
    await clock.advance(24 * 3600 * 1000);
    await host.settle();
    expect(host.invocations('everyFiveMinutes')).toHaveLength(24 * 12);
    expect(host.invocations('everyTenMinutesSpan')).toHaveLength(24 * 6);
    expect(host.invocations('hourlyOnStartup')).toHaveLength(1 + 24);
    // Runs at 08:30 and 10:30 on Thursday; each reports the occurrence after it.
    expect(seen('weekdayMornings').map((s) => s.next)).toEqual([
      '2026-01-01T10:30:00.000Z',
      '2026-01-02T08:30:00.000Z',
    ]);
    expect(host.invocations().every((i) => i.ok)).toBe(true);
  });

  it('hands the handler its schedule status (last, next) and isPastDue', () => {
    const first = seen('everyFiveMinutes').slice(0, 2);
    expect(first).toEqual([
      {
        name: 'everyFiveMinutes',
        isPastDue: false,
        last: '2026-01-01T00:05:00.000Z',
        next: '2026-01-01T00:10:00.000Z',
      },
      {
        name: 'everyFiveMinutes',
        isPastDue: false,
        last: '2026-01-01T00:05:00.000Z',
        next: '2026-01-01T00:15:00.000Z',
      },
    ]);
  });

  it('skips weekends for a MON-FRI schedule', async () => {
    const before = seen('weekdayMornings').length;
    // Friday 2 (2 runs), Saturday 3 and Sunday 4 (none), Monday 5 (2 runs); the last reports Tuesday 08:30.
    await clock.advanceTo(Date.UTC(2026, 0, 6));
    await host.settle();
    expect(
      seen('weekdayMornings')
        .slice(before)
        .map((s) => s.next.slice(0, 16)),
    ).toEqual(['2026-01-02T10:30', '2026-01-05T08:30', '2026-01-05T10:30', '2026-01-06T08:30']);
  });

  it('invokes a timer on demand and rejects unknown timer names', async () => {
    const before = host.invocations('everyFiveMinutes').length;
    expect((await host.invokeTimer('everyFiveMinutes')).ok).toBe(true);
    expect(host.invocations('everyFiveMinutes')).toHaveLength(before + 1);
    expect(() => host.invokeTimer('nope')).toThrow(/No timer function named "nope"/);
    const viaAdmin = await host.fetch('/admin/functions/everyFiveMinutes', {
      method: 'POST',
      headers: { 'x-functions-key': host.keys.master },
    });
    expect(viaAdmin.status).toBe(202);
    expect(host.invocations('everyFiveMinutes')).toHaveLength(before + 2);
  });

  it('applies the function-level retry policy on the clock, with the retry context', async () => {
    const started = clock.now();
    const run = host.invokeTimer('flaky');
    for (const retry of [1, 2]) {
      const due = started + retry * 30_000;
      await waitFor(() => clock.pending().includes(due), { what: `retry ${retry} armed on the clock` });
      await clock.advanceTo(due);
    }
    const result = await run;
    expect(result.ok).toBe(true);
    expect(seen('flaky').map((s) => s.attempt)).toEqual([0, 1, 2]);
    expect(host.invocations('flaky').map((i) => i.ok)).toEqual([false, false, true]);
  });
});

describe('embedded host: stopping with a retry pending', () => {
  it('ends the retry wait instead of hanging on a clock that never advances', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 5, 1));
    const host = await startHost({ appDir, clock });
    const run = host.invokeTimer('flaky');
    const due = Date.UTC(2026, 5, 1) + 30_000;
    await waitFor(() => clock.pending().includes(due), { what: 'the retry armed on the clock' });
    await host.stop();
    const result = await run;
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.message).toBe('flaky attempt 0');
  });
});
