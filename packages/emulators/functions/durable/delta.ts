/** The changes one episode makes to an instance, collected for its log record. */
import type { SideEffect } from './episode-types';
import { snapshot, type Instance, type LogRecord, type PendingTask } from './instance';

export class Delta {
  readonly consumed: number[] = [];
  clear = false;
  readonly added = new Map<number, PendingTask>();
  readonly removed = new Set<number>();
  readonly effects: SideEffect[] = [];
  private readonly histStart: number;
  private readonly leavesStart: number;

  constructor(private readonly inst: Instance) {
    this.histStart = inst.history.length;
    this.leavesStart = inst.leaves.length;
  }

  add(id: number, task: PendingTask): void {
    this.inst.pending.set(id, task);
    this.added.set(id, task);
  }

  remove(id: number): void {
    this.inst.pending.delete(id);
    if (!this.added.delete(id)) this.removed.add(id);
  }

  record(): LogRecord & { r: 'ep' } {
    return {
      r: 'ep',
      c: this.consumed,
      ...(this.clear ? { clear: true } : {}),
      h: this.inst.history.slice(this.histStart),
      s: snapshot(this.inst),
      l: this.inst.leaves.slice(this.leavesStart),
      pa: [...this.added],
      pd: [...this.removed],
    };
  }
}
