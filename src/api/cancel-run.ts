/**
 * POST /api/runs/{id}/cancel: mark the run cancelled (no step is admitted from now on) and raise `cancel` to
 * every step in flight (they tear down and return `cancelled`); the run then ends `cancelled`.
 */
import type { DurableClient } from 'durable-functions';
import { events, type LaneCustomStatus, type RunCustomStatus } from '../orchestrators/contracts';
import { instanceIds } from '../runs/ids';
import { RESULTS_CONTAINER, runPaths } from '../runs/paths';
import type { BlobStore } from '../storage/blob-store';
import { ApiError } from './http';
import { statusOrUndefined } from './run-view';

export type CancelClient = Pick<DurableClient, 'getStatus' | 'raiseEvent'>;

const ENDED = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);

export async function cancelRun(
  store: Pick<BlobStore, 'putText'>,
  client: CancelClient,
  runId: string,
  now: Date,
): Promise<{ runId: string; status: 'cancelling'; signalled: number }> {
  const run = await statusOrUndefined(client, runId);
  if (!run || run.name !== 'runOrchestrator')
    throw new ApiError(404, 'run_not_found', `no run with id ${runId}`, [
      { path: 'id', message: 'no such run' },
    ]);
  if (ENDED.has(run.runtimeStatus)) {
    throw new ApiError(
      409,
      'run_ended',
      `run ${runId} has already ended (${run.runtimeStatus}); nothing to cancel`,
    );
  }
  const signalled = await stopRunWork(store, client, runId, run.customStatus, now);
  return { runId, status: 'cancelling', signalled };
}

/**
 * Writes the cancel marker (no step is admitted from now on) and raises `cancel` to every step in flight;
 * returns how many were signalled. Also used for runs terminated through the management API (api/sweep.ts).
 */
export async function stopRunWork(
  store: Pick<BlobStore, 'putText'>,
  client: Pick<DurableClient, 'getStatus' | 'raiseEvent'>,
  runId: string,
  runCustomStatus: unknown,
  now: Date,
): Promise<number> {
  await store.putText(
    RESULTS_CONTAINER,
    runPaths.cancel(runId),
    JSON.stringify({ requestedAt: now.toISOString() }),
    'application/json',
  );
  const custom = runCustomStatus as RunCustomStatus | undefined;
  const targets: string[] = [];
  if (custom?.phase === 'finalize') targets.push(instanceIds.finalize(runId));
  const lanes = await Promise.all(
    Array.from({ length: custom?.lanes ?? 0 }, (_, n) =>
      statusOrUndefined(client, instanceIds.lane(runId, n)),
    ),
  );
  lanes.forEach((lane, n) => {
    const current = (lane?.customStatus as LaneCustomStatus | undefined)?.current;
    if (!current) return;
    const running = Object.entries(current.steps ?? {}).filter(([, state]) => state === 'running');
    if (running.length === 0) return;
    // The lane itself waits for `cancel` for the step it runs inline and for Batch steps in bulk.
    targets.push(instanceIds.lane(runId, n));
    for (const [step] of running) {
      if (current.step?.id !== step) targets.push(instanceIds.step(runId, current.imageKey, step));
    }
  });
  let signalled = 0;
  for (const target of targets) {
    try {
      await client.raiseEvent(target, events.cancel, null);
      signalled += 1;
    } catch {
      // Ended meanwhile: nothing to cancel there.
    }
  }
  return signalled;
}
