/**
 * POST /api/runs/{id}/rerun: a new run of the plan the original run used (as its manifest records it, so a
 * stored pipeline changed since is not picked up) over the original's failed and cancelled images, or all of
 * them; the new run names the original in `rerunOf` (docs/http-api.md).
 */
import type { RunCustomStatus } from '../orchestrators/contracts';
import { RESULTS_CONTAINER, runPaths } from '../runs/paths';
import type { RunPlan } from '../runs/plan';
import type { Manifest } from '../runs/records';
import { ApiError } from './http';
import { statusOrUndefined } from './run-view';
import type { RerunBody } from './schemas';
import { type StartClient, startPlanned, type StartedRun, type StartStore } from './start-run';

const ENDED = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);

/** The original's plan for a new run id: everything as it was, but the id, the time and the link. */
export function rerunPlan(original: RunPlan, runId: string, createdAt: string): RunPlan {
  return { ...original, runId, createdAt, rerunOf: original.runId };
}

/** The blob names a rerun covers: every image (`all`) or those that did not succeed (`failed`). */
export function rerunImages(manifest: Pick<Manifest, 'images'>, only: RerunBody['only']): string[] {
  return manifest.images.filter((i) => only === 'all' || i.status !== 'succeeded').map((i) => i.image);
}

export async function rerunRun(
  store: StartStore,
  client: StartClient,
  runId: string,
  body: RerunBody,
  now: Date,
): Promise<StartedRun & { rerunOf: string; only: RerunBody['only'] }> {
  const status = await statusOrUndefined(client, runId);
  if (!status || status.name !== 'runOrchestrator')
    throw new ApiError(404, 'run_not_found', `no run with id ${runId}`, [
      { path: 'id', message: 'no such run' },
    ]);
  const phase = (status.customStatus as RunCustomStatus | undefined)?.phase;
  if (!ENDED.has(String(status.runtimeStatus)) && phase !== 'done')
    throw new ApiError(
      409,
      'run_in_progress',
      `run ${runId} is still ${String(status.runtimeStatus).toLowerCase()}; rerun it once it has ended`,
    );
  const text = await store.getText(RESULTS_CONTAINER, runPaths.manifest(runId));
  if (text === undefined)
    throw new ApiError(
      409,
      'manifest_pending',
      `run ${runId} has ended but its manifest is not written yet; retry in a few seconds`,
    );
  const manifest = JSON.parse(text) as Manifest;
  const images = rerunImages(manifest, body.only);
  if (images.length === 0)
    throw new ApiError(
      409,
      'nothing_to_rerun',
      `run ${runId} has no failed or cancelled images; send {"only":"all"} to run every image again`,
      [{ path: 'only', message: 'no image of the run failed or was cancelled' }],
    );
  const started = await startPlanned(
    store,
    client,
    (id, createdAt) => rerunPlan(manifest.spec, id, createdAt),
    images,
    { now, source: 'api' },
  );
  return { ...started, rerunOf: runId, only: body.only };
}
