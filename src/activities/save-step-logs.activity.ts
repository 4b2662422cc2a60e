/** saveStepLogs: copy the attempt's logs to `results/<run>/<image>/<step>/attempt-<n>/` before teardown. */
import { RESULTS_CONTAINER } from '../runs/paths';
import type { ActivityFactory } from './deps';

export const saveStepLogs: ActivityFactory<'saveStepLogs'> = (deps) => async (input) =>
  deps
    .compute(input.kind)
    .saveLogs({ ...input.ref, logs: { container: RESULTS_CONTAINER, prefix: input.logsPrefix } });
