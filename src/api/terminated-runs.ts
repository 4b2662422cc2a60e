/**
 * Runs terminated through the Durable management API get no callback (in Azure neither: termination only
 * stops the orchestration). The sweeper finds them among the newest runs of the run index: a run whose
 * orchestration ended `Terminated` and has no manifest gets the cancel marker (nothing more is admitted),
 * `cancel` raised to its steps in flight (they tear their resources down), and a manifest with status
 * `terminated`. The resource sweep deletes anything left behind (docs/security.md, "The management API").
 */
import type { DurableClient } from 'durable-functions';
import type { ActivityDeps } from '../activities/deps';
import { writeManifest } from '../activities/write-manifest.activity';
import type { RunInput } from '../orchestrators/contracts';
import { RESULTS_CONTAINER, runPaths, STATE_CONTAINER } from '../runs/paths';
import { stopRunWork } from './cancel-run';
import { parseRunIndexName, RUN_INDEX_PREFIX } from './run-index';
import { statusOrUndefined } from './run-view';

/** How many of the newest runs each sweep looks at. */
export const TERMINATED_SCAN = 200;

export async function recordTerminatedRuns(
  deps: ActivityDeps,
  client: Pick<DurableClient, 'getStatus' | 'raiseEvent'>,
): Promise<string[]> {
  const entries = (await deps.store.list(STATE_CONTAINER, RUN_INDEX_PREFIX))
    .map((b) => parseRunIndexName(b.name))
    .filter((e) => e !== undefined)
    .slice(0, TERMINATED_SCAN);
  const recorded: string[] = [];
  for (const { runId } of entries) {
    if ((await deps.store.getText(RESULTS_CONTAINER, runPaths.manifest(runId))) !== undefined) continue;
    const status = await statusOrUndefined(client, runId);
    if (String(status?.runtimeStatus) !== 'Terminated') continue;
    const input = status?.input as RunInput | undefined;
    if (!input?.plan) continue;
    const now = new Date(deps.now());
    const signalled = await stopRunWork(deps.store, client, runId, status?.customStatus, now);
    await writeManifest(deps)({ plan: input.plan, status: 'terminated', finishedAt: now.toISOString() });
    deps.log(`sweeper recorded terminated run runId=${runId} stepsSignalled=${signalled}`);
    recorded.push(runId);
  }
  return recorded;
}
