/**
 * What an emulator bills: run time of containers (ACI, by container name) or tasks (Batch), with the vCPU-
 * and GB-seconds of ACI containers. Tests compare it with the app's quote; `GET /__admin/billing` reads it.
 */
export interface UsageLine {
  readonly count: number;
  readonly seconds: number;
  readonly vcpuSeconds: number;
  readonly gbSeconds: number;
}

export interface UsageBill {
  /** By container name (ACI: `stage-in`, `step`, `stage-out`) or `task` (Batch). */
  readonly byName: Readonly<Record<string, UsageLine>>;
  readonly total: UsageLine;
}

export class UsageMeter {
  private readonly byName = new Map<string, { count: number; ms: number; cpuMs: number; gbMs: number }>();

  /** One container (or task) run of `ms`, holding `cpu` vCPUs and `memoryGb` GB. */
  add(name: string, ms: number, cpu = 0, memoryGb = 0): void {
    const line = this.byName.get(name) ?? { count: 0, ms: 0, cpuMs: 0, gbMs: 0 };
    const run = Math.max(0, ms);
    line.count += 1;
    line.ms += run;
    line.cpuMs += run * cpu;
    line.gbMs += run * memoryGb;
    this.byName.set(name, line);
  }

  bill(): UsageBill {
    const line = (l: { count: number; ms: number; cpuMs: number; gbMs: number }): UsageLine => ({
      count: l.count,
      seconds: l.ms / 1000,
      vcpuSeconds: l.cpuMs / 1000,
      gbSeconds: l.gbMs / 1000,
    });
    const all = [...this.byName.values()];
    const sum = (k: 'count' | 'ms' | 'cpuMs' | 'gbMs') => all.reduce((t, l) => t + l[k], 0);
    return {
      byName: Object.fromEntries([...this.byName].map(([name, l]) => [name, line(l)])),
      total: line({ count: sum('count'), ms: sum('ms'), cpuMs: sum('cpuMs'), gbMs: sum('gbMs') }),
    };
  }

  clear(): void {
    this.byName.clear();
  }
}
