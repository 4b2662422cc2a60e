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
        fire();
      }),
    );
  }

  cancel(instanceId: string, id: number): void {
    const timers = this.byInstance.get(instanceId);
    timers?.get(id)?.cancel();
    timers?.delete(id);
  }

  cancelInstance(instanceId: string): void {
    for (const t of this.byInstance.get(instanceId)?.values() ?? []) t.cancel();
    this.byInstance.delete(instanceId);
  }

  cancelAll(): void {
    for (const id of [...this.byInstance.keys()]) this.cancelInstance(id);
  }
}
