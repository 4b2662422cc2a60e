/**
 * saveStepLogs: a Batch attempt's final status was read (the run's monitor stayed silent): collect what it
 * staged (its outputs only if it `succeeded`) and name its logs under
 * `results/<run>/<image>/<step>/attempt-<n>/logs/`. A collection failure throws, so the activity is retried.
 */
import { RESULTS_CONTAINER } from '../runs/paths';
import type { ActivityFactory } from './deps';

export const saveStepLogs: ActivityFactory<'saveStepLogs'> = (deps) => async (input) => {
  const backend = deps.compute(input.kind);
  if (backend.collectOutputs) {
    // An input without `succeeded` (a history from before it existed): the status decides.
    const succeeded = input.succeeded ?? (await backend.status(input.ref)).state === 'succeeded';
    await backend.collectOutputs(input.ref, { succeeded });
  }
  return backend.saveLogs({ ...input.ref, logs: { container: RESULTS_CONTAINER, prefix: input.logsPrefix } });
};
