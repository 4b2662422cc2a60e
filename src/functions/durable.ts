/**
 * Registers the orchestrators and the activities. Orchestrators are pure generators (src/orchestrators);
 * activities are built from their factories over the app's ports on first use.
 */
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { OrchestrationHandler } from 'durable-functions';
import { activityFactories, createActivities, type Activities } from '../activities';
import type { ActivityName } from '../activities/contracts';
import { batchMonitorOrchestrator } from '../orchestrators/batch-monitor.orchestrator';
import type { OrchestratorName } from '../orchestrators/contracts';
import { imageOrchestrator } from '../orchestrators/image.orchestrator';
import { laneOrchestrator } from '../orchestrators/lane.orchestrator';
import { runOrchestrator } from '../orchestrators/run.orchestrator';
import { stepOrchestrator } from '../orchestrators/step.orchestrator';
import { appDeps } from '../composition';

const orchestrators: Record<OrchestratorName, OrchestrationHandler> = {
  runOrchestrator: runOrchestrator as OrchestrationHandler,
  laneOrchestrator: laneOrchestrator as OrchestrationHandler,
  imageOrchestrator: imageOrchestrator as OrchestrationHandler,
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

/** Activities that raise events through the durable client: built per invocation over that client. */
const WITH_CLIENT: ReadonlySet<ActivityName> = new Set(['pollBatchRun']);

function activityWithClient<N extends ActivityName>(name: N) {
  return (input: unknown, context: InvocationContext) => {
    const client = df.getClient(context);
    const handler = activityFactories[name]({
      ...appDeps().activities,
      raiseEvent: (instanceId, event, data) => client.raiseEvent(instanceId, event, data),
    }) as (i: unknown) => Promise<unknown>;
    return handler(input);
  };
}

for (const name of Object.keys(activityFactories) as ActivityName[]) {
  if (WITH_CLIENT.has(name))
    df.app.activity(name, { handler: activityWithClient(name), extraInputs: [df.input.durableClient()] });
  else df.app.activity(name, { handler: activity(name) });
}
