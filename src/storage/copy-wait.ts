import { AdapterError } from '../adapters/errors';

/**
 * The wait for one asynchronous Copy Blob (blobs above the synchronous copy's 256 MiB): polls the target's copy
 * status until it ends, at most `timeoutMs`, then aborts the copy and throws a transient TIMEOUT (the collection
 * is retried). A copy that ends `failed` or `aborted` throws too; one replaced by another copy (another
 * collector of the same staged blob) counts as done.
 */
export interface CopyState {
  readonly copyId?: string;
  readonly copyStatus?: string;
  readonly copyStatusDescription?: string;
}

export interface CopyWaitOptions {
  readonly timeoutMs: number;
  readonly pollIntervalMs: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

export async function waitForCopy(
  started: CopyState,
  ops: { read(): Promise<CopyState>; abort(copyId: string): Promise<void> },
  options: CopyWaitOptions,
  what: string,
): Promise<void> {
  const context = { service: 'blob' as const, operation: 'copyFromUrl' };
  const deadline = options.now() + options.timeoutMs;
  let state = started;
  while (state.copyStatus === 'pending') {
    if (options.now() >= deadline) {
      // The TIMEOUT below is what is reported; a failed abort leaves a copy that the retry's copy replaces.
      await ops.abort(started.copyId ?? '').catch(() => undefined);
      throw new AdapterError(
        'TIMEOUT',
        'transient',
        `${what}: copy still pending after ${options.timeoutMs} ms`,
        context,
      );
    }
    await options.sleep(options.pollIntervalMs);
    const read = await ops.read();
    if (read.copyId !== started.copyId) return;
    state = read;
  }
  if (state.copyStatus !== undefined && state.copyStatus !== 'success')
    throw new AdapterError(
      'SERVER_ERROR',
      'transient',
      `${what}: copy ended ${state.copyStatus}${state.copyStatusDescription ? ` (${state.copyStatusDescription})` : ''}`,
      context,
    );
}
