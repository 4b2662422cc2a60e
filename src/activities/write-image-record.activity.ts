/** writeImageRecord: `results/<runId>/<imageKey>/result.json` (per-step status, exit code, attempts, times, logs). */
import { RESULTS_CONTAINER, runPaths } from '../runs/paths';
import type { ActivityFactory } from './deps';

export const writeImageRecord: ActivityFactory<'writeImageRecord'> = (deps) => async (record) => {
  const blob = runPaths.imageRecord(record.runId, record.imageKey);
  await deps.store.putText(RESULTS_CONTAINER, blob, JSON.stringify(record), 'application/json');
  return blob;
};
