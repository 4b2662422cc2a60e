/** Every activity, by name: the factories over the ports (Temporal's `createActivities(deps)`). */
import { acquireAdmission } from './acquire-admission.activity';
import type { ActivityName } from './contracts';
import type { ActivityDeps, ActivityFactory, ActivityHandler } from './deps';
import { finishBatchRun } from './finish-batch-run.activity';
import { getStepStatus } from './get-step-status.activity';
import { keepStep } from './keep-step.activity';
import { loadImages } from './load-images.activity';
import { pollBatchRun } from './poll-batch-run.activity';
import { releaseAdmission } from './release-admission.activity';
import { releaseStep } from './release-step.activity';
import { saveStepLogs } from './save-step-logs.activity';
import { settleBudget } from './settle-budget.activity';
import { startStep } from './start-step.activity';
import { writeImageRecord } from './write-image-record.activity';
import { writeManifest } from './write-manifest.activity';

export const activityFactories: { readonly [N in ActivityName]: ActivityFactory<N> } = {
  acquireAdmission,
  releaseAdmission,
  startStep,
  getStepStatus,
  saveStepLogs,
  releaseStep,
  keepStep,
  loadImages,
  writeImageRecord,
  writeManifest,
  pollBatchRun,
  finishBatchRun,
  settleBudget,
};

export type Activities = { readonly [N in ActivityName]: ActivityHandler<N> };

export function createActivities(deps: ActivityDeps): Activities {
  const out: Partial<Record<ActivityName, unknown>> = {};
  for (const name of Object.keys(activityFactories) as ActivityName[]) {
    out[name] = (activityFactories[name] as ActivityFactory<typeof name>)(deps);
  }
  return out as Activities;
}

export type { ActivityDeps } from './deps';
