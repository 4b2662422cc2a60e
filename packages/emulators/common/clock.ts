/**
 * Time for the emulators and the embedded host. `RealClock` follows the wall clock; `VirtualClock` only moves
 * when a test advances it, firing due callbacks in time order, so a 7-day wait takes milliseconds.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls `fn` once the clock reaches `atMs` (on the next turn if already past). */
  schedule(atMs: number, fn: () => void): Cancelable;
  /**
   * Real I/O that due work started (an emulator uploading a task's output files): a VirtualClock does not move
   * on while it runs and counts it as due (dueNow), so in virtual time it takes no time, as a timer's work.
   */
  track?(work: Promise<unknown>): void;
}

export interface Cancelable {
  cancel(): void;
}

/** Node timers cannot wait longer than ~24.8 days; longer waits are chained. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }

  schedule(atMs: number, fn: () => void): Cancelable {
    let handle: NodeJS.Timeout | undefined;
    let canceled = false;
    const arm = () => {
      const wait = Math.max(0, atMs - Date.now());
      handle = setTimeout(
        () => {
          if (canceled) return;
          if (Date.now() >= atMs) fn();
          else arm();
        },
        Math.min(wait, MAX_TIMEOUT_MS),
      );
      handle.unref?.();
    };
    arm();
    return {
      cancel: () => {
        canceled = true;
        if (handle) clearTimeout(handle);
      },
    };
  }
}

interface VirtualTimer {
  readonly atMs: number;
  readonly seq: number;
  readonly fn: () => void;
  canceled: boolean;
}

export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: VirtualTimer[] = [];
  private dueCount = 0;
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(startMs: number = Date.UTC(2026, 0, 1)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  schedule(atMs: number, fn: () => void): Cancelable {
    const timer: VirtualTimer = { atMs, seq: this.seq++, fn, canceled: false };
    if (atMs <= this.current) {
      this.dueCount += 1;
      setImmediate(() => {
        this.dueCount -= 1;
        if (!timer.canceled) fn();
      });
    } else {
      // Binary insertion keeps (atMs, seq) order without re-sorting: thousands of timers stay cheap.
      let lo = 0;
      let hi = this.timers.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((this.timers[mid]?.atMs ?? 0) <= atMs) lo = mid + 1;
        else hi = mid;
      }
      this.timers.splice(lo, 0, timer);
    }
    return { cancel: () => (timer.canceled = true) };
  }

  /** Callbacks already due (scheduled at or before now) that have not run yet; 0 once due work has run. */
  dueNow(): number {
    return this.dueCount + this.inflight.size;
  }

  track(work: Promise<unknown>): void {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.inflight.add(settled);
    void settled.then(() => this.inflight.delete(settled));
  }

  /** Timers still waiting, earliest first. */
  pending(): number[] {
    return this.timers.filter((t) => !t.canceled).map((t) => t.atMs);
  }

  /**
   * Moves time forward by `ms`, firing due timers in order with the clock set to each timer's time.
   * Yields to the event loop between timers so that work they trigger can schedule more timers.
   */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.current + ms);
  }

  async advanceTo(targetMs: number): Promise<void> {
    for (;;) {
      while (this.timers[0]?.canceled) this.timers.shift();
      const next = this.timers[0];
      if (!next || next.atMs > targetMs) break;
      this.timers.shift();
      this.current = Math.max(this.current, next.atMs);
      next.fn();
      await new Promise((resolve) => setImmediate(resolve));
      while (this.inflight.size) await Promise.all([...this.inflight]);
    }
    this.timers = this.timers.filter((t) => !t.canceled);
    this.current = Math.max(this.current, targetMs);
  }
}
