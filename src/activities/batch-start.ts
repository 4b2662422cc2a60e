/**
 * Starts Batch steps of the bulk path (docs/orchestration.md, "Batch steps in bulk") in one add call: the
 * launches carry `notify` (the instance running the image), so the run's monitor reports them there. A
 * permanent rejection of a collection is attributed by adding its tasks one by one (only then).
 */
import { AdapterError } from '../adapters/errors';
import type { BatchStartOutcome, StartStepInput } from './contracts';
import type { ActivityDeps } from './deps';
import { buildLaunch } from './launch';

const BAD_REQUEST = new Set(['BAD_REQUEST', 'QUOTA_TOO_SMALL', 'AUTH', 'SECRET_UNRESOLVED', 'NOT_FOUND']);
const STARTED: BatchStartOutcome = { outcome: 'started' };

/** The typed permanent outcome of a start error, or undefined when it is transient (then it is rethrown). */
function permanentOf(error: unknown): BatchStartOutcome | undefined {
  if (!(error instanceof AdapterError) || error.kind !== 'permanent') return undefined;
  if (error.code === 'IMAGE_INACCESSIBLE')
    return { outcome: 'permanent', code: 'image-inaccessible', message: error.message };
  if (BAD_REQUEST.has(error.code))
    return { outcome: 'permanent', code: 'bad-request', message: error.message };
  return undefined;
}

export async function startBatchSteps(
  deps: Pick<ActivityDeps, 'store' | 'compute'>,
  inputs: readonly StartStepInput[],
): Promise<BatchStartOutcome[]> {
  if (inputs.length === 0) return [];
  const launches = await Promise.all(
    inputs.map(async (input) => {
      if (!input.callbackInstance)
        throw new Error(`Batch step ${input.step.id} in bulk names no instance to notify`);
      return { ...(await buildLaunch(deps.store, input)), notify: input.callbackInstance };
    }),
  );
  const backend = deps.compute('batch');
  try {
    await backend.start(launches);
    return launches.map(() => STARTED);
  } catch (error) {
    const permanent = permanentOf(error);
    if (!permanent) throw error;
    if (launches.length === 1) return [permanent];
  }
  const outcomes: BatchStartOutcome[] = [];
  for (const launch of launches) {
    try {
      await backend.start([launch]);
      outcomes.push(STARTED);
    } catch (error) {
      const permanent = permanentOf(error);
      if (!permanent) throw error;
      outcomes.push(permanent);
    }
  }
  return outcomes;
}
