import { type ErrorContext, AdapterError, classify } from './errors';

/**
 * Every SDK call goes through `callSdk`: a per-attempt deadline (the SDKs set none), our own retries for
 * transient failures (the Batch SDK waits 27-90 s and never retries 429: docs/emulators-batch.md, 'SDK retry
 * policies'; ARM's built-in policy honours an uncapped Retry-After: docs/emulators-aci.md, 'SDK retry
 * policy'), and classification of the final failure. A Retry-After longer than `maxWaitMs` is not slept on:
 * the error is thrown with `retryAfterMs` so the durable retry policy waits on a timer instead of holding an
 * activity.
 */
export interface CallPolicy {
  /** Per-attempt timeout (FLOTILLA_SDK_TIMEOUT_MS). */
  readonly timeoutMs: number;
  /** Attempts in all, >= 1. */
  readonly attempts: number;
  /** First backoff; doubles per attempt, with jitter. */
  readonly baseDelayMs: number;
  /** Longest wait inside one call (backoff or Retry-After). */
  readonly maxWaitMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export const defaultCallPolicy = (timeoutMs: number, attempts = 3): CallPolicy => ({
  timeoutMs,
  attempts,
  baseDelayMs: 250,
  maxWaitMs: 5_000,
});

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface CallStats {
  attempts: number;
  lastError?: AdapterError;
}

export async function callSdk<T>(
  context: ErrorContext,
  policy: CallPolicy,
  fn: (abortSignal: AbortSignal) => Promise<T>,
  stats?: CallStats,
): Promise<T> {
  const sleep = policy.sleep ?? realSleep;
  for (let attempt = 1; ; attempt += 1) {
    if (stats) stats.attempts = attempt;
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error(`timed out after ${policy.timeoutMs} ms`)),
      policy.timeoutMs,
    );
    try {
      return await raceAbort(fn(controller.signal), controller.signal);
    } catch (raw) {
      // An error the adapter already classified inside the call is its decision: no in-call retry.
      if (raw instanceof AdapterError && !controller.signal.aborted) throw raw;
      const error = controller.signal.aborted
        ? new AdapterError(
            'TIMEOUT',
            'transient',
            `${context.service} ${context.operation} failed (TIMEOUT): no answer within ${policy.timeoutMs} ms`,
            context,
          )
        : classify(raw, context);
      if (stats) stats.lastError = error;
      if (error.kind !== 'transient' || attempt >= policy.attempts) throw error;
      const backoff =
        Math.min(policy.maxWaitMs, policy.baseDelayMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      const wait = error.retryAfterMs ?? backoff;
      if (wait > policy.maxWaitMs) throw error;
      await sleep(wait);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Some SDK paths ignore the signal once a response started; never wait past the deadline anyway. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
