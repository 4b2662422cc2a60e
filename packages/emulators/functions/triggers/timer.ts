/**
 * Timer triggers on the injected Clock: each function is armed for its next occurrence; when it fires, the
 * following occurrence is armed at once (so a VirtualClock advance fires every occurrence) and the invocation
 * is queued behind the function's previous one. `runOnStartup` invokes once when the host starts.
 */
import type { Cancelable, Clock } from '../../common/clock';
import { triggerOf } from '../bindings';
import type { InvocationResult, RegisteredFunction, RpcTypedData } from '../contracts';
import { parseSchedule, type Schedule } from './ncrontab';

export interface RetryContext {
  readonly retryCount: number;
  readonly maxRetryCount: number;
  readonly exception?: { readonly message: string };
}

export type InvokeTrigger = (
  fn: RegisteredFunction,
  data: RpcTypedData,
  retryContext?: RetryContext,
) => Promise<InvocationResult>;

interface RetryPolicy {
  readonly maxRetryCount: number;
  readonly retryStrategy: 'fixedDelay' | 'exponentialBackoff';
  readonly delayInterval?: { seconds: number };
  readonly minimumInterval?: { seconds: number };
  readonly maximumInterval?: { seconds: number };
}

/** fixedDelay: delayInterval each time; exponentialBackoff: minimumInterval doubled per retry, capped at maximumInterval. */
function retryDelayMs(policy: RetryPolicy, attempt: number): number {
  if (policy.retryStrategy === 'exponentialBackoff') {
    const min = (policy.minimumInterval?.seconds ?? 0) * 1000;
    const max = (policy.maximumInterval?.seconds ?? Number.MAX_SAFE_INTEGER / 1000) * 1000;
    return Math.min(max, min * 2 ** (attempt - 1));
  }
  return (policy.delayInterval?.seconds ?? 0) * 1000;
}

interface TimerEntry {
  readonly fn: RegisteredFunction;
  readonly schedule: Schedule;
  readonly runOnStartup: boolean;
  last?: number;
  handle?: Cancelable;
  queue: Promise<unknown>;
}

export function timerTriggerData(
  status: { last?: number; next: number; now: number },
  isPastDue = false,
): RpcTypedData {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    json: JSON.stringify({
      Schedule: { AdjustForDST: true },
      ScheduleStatus: {
        Last: iso(status.last ?? status.now),
        Next: iso(status.next),
        LastUpdated: iso(status.now),
      },
      IsPastDue: isPastDue,
    }),
  };
}

export class TimerScheduler {
  private readonly entries = new Map<string, TimerEntry>();
  private stopped = false;
  private readonly waits = new Set<() => void>();

  constructor(
    functions: readonly RegisteredFunction[],
    private readonly clock: Clock,
    private readonly invoke: InvokeTrigger,
    private readonly track: (work: Promise<unknown>) => void,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    for (const fn of functions) {
      const { binding } = triggerOf(fn);
      if (binding.type.toLowerCase() !== 'timertrigger') continue;
      if (typeof binding.schedule !== 'string') {
        throw new Error(`Timer function "${fn.name}": schedule must be a string (NCRONTAB or hh:mm:ss).`);
      }
      const schedule = parseSchedule(substituteSchedule(binding.schedule, fn.name));
      this.entries.set(fn.name, {
        fn,
        schedule,
        runOnStartup: binding.runOnStartup === true,
        queue: Promise.resolve(),
      });
    }
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  start(): void {
    for (const entry of this.entries.values()) {
      if (entry.runOnStartup) void this.enqueue(entry, this.clock.now());
      this.arm(entry, this.clock.now());
    }
  }

  stop(): void {
    this.stopped = true;
    for (const entry of this.entries.values()) entry.handle?.cancel();
    for (const cancel of [...this.waits]) cancel();
  }

  /** Invokes a timer function now, as the portal's "Test/Run" does (queued behind running invocations). */
  invokeNow(name: string): Promise<InvocationResult> {
    const entry = this.entries.get(name);
    if (!entry)
      throw new Error(
        `No timer function named "${name}" (timer functions: ${this.names().join(', ') || 'none'}).`,
      );
    return this.enqueue(entry, this.clock.now());
  }

  /** Function-level retry (`app.timer(..., { retry })`): re-invokes after the policy's delay on the clock. */
  private async invokeWithRetry(fn: RegisteredFunction, data: RpcTypedData): Promise<InvocationResult> {
    const policy = fn.retryOptions as RetryPolicy | undefined;
    // With a policy, Azure sets the retry context on the first attempt too (retryCount 0).
    let result = await this.invoke(
      fn,
      data,
      policy ? { retryCount: 0, maxRetryCount: policy.maxRetryCount } : undefined,
    );
    for (let attempt = 1; !result.ok && policy && !this.stopped; attempt++) {
      const max = policy.maxRetryCount;
      if (max >= 0 && attempt > max) break;
      const delay = retryDelayMs(policy, attempt);
      this.log(
        `[warning] ${fn.name}: attempt ${attempt} failed (${result.error.message}); retrying in ${delay} ms`,
      );
      await this.wait(delay);
      if (this.stopped) break;
      const retryContext = {
        retryCount: attempt,
        maxRetryCount: max,
        exception: { message: result.error.message },
      };
      result = await this.invoke(fn, data, retryContext);
    }
    return result;
  }

  /** A wait on the clock that `stop()` ends early (a VirtualClock might never reach it). */
  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.waits.delete(cancel);
        resolve();
      };
      const handle = this.clock.schedule(this.clock.now() + ms, done);
      const cancel = () => {
        handle.cancel();
        done();
      };
      this.waits.add(cancel);
    });
  }

  private arm(entry: TimerEntry, fromMs: number): void {
    if (this.stopped) return;
    const at = entry.schedule.next(fromMs);
    entry.handle = this.clock.schedule(at, () => {
      if (this.stopped) return;
      this.arm(entry, at);
      void this.enqueue(entry, at);
    });
  }

  private enqueue(entry: TimerEntry, firedAt: number): Promise<InvocationResult> {
    const data = timerTriggerData({
      ...(entry.last !== undefined ? { last: entry.last } : {}),
      next: entry.schedule.next(firedAt),
      now: firedAt,
    });
    entry.last = firedAt;
    const run = entry.queue.then(() => this.invokeWithRetry(entry.fn, data));
    entry.queue = run.catch(() => undefined);
    this.track(run);
    return run;
  }
}

function substituteSchedule(schedule: string, name: string): string {
  return schedule.replace(/^%([^%]+)%$/, (_m, setting: string) => {
    const value = process.env[setting];
    if (value === undefined)
      throw new Error(
        `Timer function "${name}": the app setting "${setting}" (schedule %${setting}%) is not set.`,
      );
    return value;
  });
}
