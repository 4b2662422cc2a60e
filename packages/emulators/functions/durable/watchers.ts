/** `waitForStatus` support: predicates re-checked on every change, with a wall-clock timeout. */
import type { OrchestrationStatusView } from '../contracts';

export class StatusWatchers {
  private readonly watchers = new Set<() => void>();

  constructor(private readonly read: (instanceId: string) => OrchestrationStatusView | undefined) {}

  wait(
    instanceId: string,
    predicate: (status: OrchestrationStatusView) => boolean,
    timeoutMs: number,
  ): Promise<OrchestrationStatusView> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const view = this.read(instanceId);
        if (!view || !predicate(view)) return false;
        this.watchers.delete(check);
        clearTimeout(timer);
        resolve(view);
        return true;
      };
      const timer = setTimeout(() => {
        this.watchers.delete(check);
        const view = this.read(instanceId);
        const now = view ? `${view.runtimeStatus} (output ${JSON.stringify(view.output)})` : 'unknown';
        reject(new Error(`waitForStatus('${instanceId}') timed out after ${timeoutMs} ms; status is ${now}`));
      }, timeoutMs);
      if (!check()) this.watchers.add(check);
    });
  }

  notify(): void {
    for (const w of [...this.watchers]) w();
  }
}
