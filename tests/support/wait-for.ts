/**
 * The one bounded wait of the test suites: re-checks `condition` (on every timer turn, at most every
 * `intervalMs`) until it holds, and fails naming `what` it waited for when `timeoutMs` has passed.
 */
export interface WaitForOptions {
  /** What is awaited, as the failure message names it ("the run to end"); a function is read at the failure. */
  readonly what: string | (() => string);
  readonly timeoutMs?: number;
  /** Pause between checks (real time; the condition is what is waited for, not the pause). Default 10 ms. */
  readonly intervalMs?: number;
}

export async function waitFor<T>(
  condition: () => T | undefined | false | Promise<T | undefined | false>,
  { what, timeoutMs = 10_000, intervalMs = 10 }: WaitForOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      const named = typeof what === 'function' ? what() : what;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${named}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
