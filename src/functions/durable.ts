/**
 * Registers the orchestrators and the activities. Orchestrators are pure generators (src/orchestrators);
 * activities are built from their factories over the app's ports on first use.
 */
import * as df from 'durable-functions';
import type { OrchestrationHandler } from 'durable-functions';
import { activityFactories, createActivities, type Activities } from '../activities';
import type { ActivityName } from '../activities/contracts';
import { batchMonitorOrchestrator } from '../orchestrators/batch-monitor.orchestrator';
import type { OrchestratorName } from '../orchestrators/contracts';
import { laneOrchestrator } from '../orchestrators/lane.orchestrator';
import { runOrchestrator } from '../orchestrators/run.orchestrator';
import { stepOrchestrator } from '../orchestrators/step.orchestrator';
import { appDeps } from '../composition';

const orchestrators: Record<OrchestratorName, OrchestrationHandler> = {
  runOrchestrator: runOrchestrator as OrchestrationHandler,
  laneOrchestrator: laneOrchestrator as OrchestrationHandler,
  stepOrchestrator: stepOrchestrator as OrchestrationHandler,
  batchMonitorOrchestrator: batchMonitorOrchestrator as OrchestrationHandler,
};
for (const [name, handler] of Object.entries(orchestrators)) df.app.orchestration(name, handler);

let activities: Activities | undefined;
function activity<N extends ActivityName>(name: N) {
  return (input: unknown) => {
    activities ??= createActivities(appDeps().activities);
    const handler = activities[name] as (i: unknown) => Promise<unknown>;
    return handler(input);
  };
}

for (const name of Object.keys(activityFactories) as ActivityName[]) {
  df.app.activity(name, { handler: activity(name) });
}
