/**
 * Durable timers armed on the injected clock, per instance and task id (docs/durable-engine.md, 'Timers').
 */
import type { Cancelable, Clock } from '../../common/clock';

export class TimerTable {
  /** instanceId -> task id -> armed timer */
  private readonly byInstance = new Map<string, Map<number, Cancelable>>();

  constructor(private readonly clock: Clock) {}

  arm(instanceId: string, id: number, fireAt: number, fire: () => void): void {
    this.cancel(instanceId, id);
    const own = this.byInstance.get(instanceId) ?? new Map<number, Cancelable>();
    this.byInstance.set(instanceId, own);
    own.set(
      id,
      this.clock.schedule(fireAt, () => {
        own.delete(id);
        if (own.size === 0 && this.byInstance.get(instanceId) === own) this.byInstance.delete(instanceId);
        fire();
      }),
    );
  }

  cancel(instanceId: string, id: number): void {
    const timers = this.byInstance.get(instanceId);
    if (!timers) return;
    timers.get(id)?.cancel();
    timers.delete(id);
    if (timers.size === 0) this.byInstance.delete(instanceId);
  }

  cancelInstance(instanceId: string): void {
    for (const t of this.byInstance.get(instanceId)?.values() ?? []) t.cancel();
    this.byInstance.delete(instanceId);
  }

  /** Instances with at least one armed timer. */
  instances(): number {
    return this.byInstance.size;
  }

  cancelAll(): void {
    for (const id of [...this.byInstance.keys()]) this.cancelInstance(id);
  }
}
