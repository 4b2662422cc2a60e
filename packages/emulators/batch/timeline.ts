import type { Clock, Cancelable } from '../common/clock';

/**
 * Groups callbacks due at the same instant behind one clock timer. Simulate mode starts thousands of tasks
 * with equal durations at once; one clock timer per distinct instant keeps the clock's queue short.
 */
export class Timeline {
  private readonly slots = new Map<number, { fns: Set<() => void>; timer: Cancelable }>();

  constructor(private readonly clock: Clock) {}

  /** Calls `fn` at `atMs` (clock time); returns a cancel function. */
  at(atMs: number, fn: () => void): () => void {
    const when = Math.max(atMs, this.clock.now());
    let slot = this.slots.get(when);
    if (!slot) {
      const fns = new Set<() => void>();
      const timer = this.clock.schedule(when, () => {
        this.slots.delete(when);
        for (const f of fns) f();
      });
      slot = { fns, timer };
      this.slots.set(when, slot);
    }
    const entry = () => fn();
    slot.fns.add(entry);
    const current = slot;
    return () => {
      current.fns.delete(entry);
      if (current.fns.size === 0 && this.slots.get(when) === current) {
        current.timer.cancel();
        this.slots.delete(when);
      }
    };
  }

  after(ms: number, fn: () => void): () => void {
    return this.at(this.clock.now() + ms, fn);
  }

  clear(): void {
    for (const slot of this.slots.values()) slot.timer.cancel();
    this.slots.clear();
  }
}
