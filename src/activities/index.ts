/** Every activity, by name: the factories over the ports (Temporal's `createActivities(deps)`). */
import { acquireAdmission } from './acquire-admission.activity';
import type { ActivityName } from './contracts';
import type { ActivityDeps, ActivityFactory, ActivityHandler } from './deps';
import { instrumentActivity } from '../telemetry/activity-span';
import { finishBatchRun } from './finish-batch-run.activity';
import { finishStep } from './finish-step.activity';
import { getStepStatus } from './get-step-status.activity';
import { keepStep } from './keep-step.activity';
import { loadImages } from './load-images.activity';
import { lookupStepCache, storeStepCache } from './step-cache.activity';
import { pollBatchRun } from './poll-batch-run.activity';
import { releaseAdmission } from './release-admission.activity';
import { releaseStep } from './release-step.activity';
import { saveStepLogs } from './save-step-logs.activity';
import { settleBudget } from './settle-budget.activity';
import { startStep } from './start-step.activity';
import { stopBatchSteps } from './stop-batch-steps.activity';
import { submitBatchSteps } from './submit-batch-steps.activity';
import { writeImageRecord } from './write-image-record.activity';
import { writeManifest } from './write-manifest.activity';

export const activityFactories: { readonly [N in ActivityName]: ActivityFactory<N> } = {
  acquireAdmission,
  releaseAdmission,
  startStep,
  finishStep,
  getStepStatus,
  saveStepLogs,
  releaseStep,
  keepStep,
  loadImages,
  writeImageRecord,
  writeManifest,
  pollBatchRun,
  finishBatchRun,
  lookupStepCache,
  storeStepCache,
  submitBatchSteps,
  stopBatchSteps,
  settleBudget,
};

export type Activities = { readonly [N in ActivityName]: ActivityHandler<N> };

/**
 * Builds every activity over the deps, each wrapped once for telemetry (its step's attributes on every log
 * line and, when traces are exported, a span in the attempt's trace): activity bodies stay unaware of it.
 */
export function createActivities(deps: ActivityDeps): Activities {
  const out: Partial<Record<ActivityName, unknown>> = {};
  for (const name of Object.keys(activityFactories) as ActivityName[]) {
    const handler = (activityFactories[name] as ActivityFactory<typeof name>)(deps);
    out[name] = instrumentActivity(name, handler, () => deps.tracer);
  }
  return out as Activities;
}

export type { ActivityDeps } from './deps';
