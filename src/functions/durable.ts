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
import { plainLogSink, setOrchestratorLogSink } from '../orchestrators/call';
import type { OrchestratorName } from '../orchestrators/contracts';
import { laneOrchestrator } from '../orchestrators/lane.orchestrator';
import { runOrchestrator } from '../orchestrators/run.orchestrator';
import { stepOrchestrator } from '../orchestrators/step.orchestrator';
import { appDeps } from '../composition';
import { fieldAttributes } from '../telemetry/attributes';

// Orchestrator logs (past their replay guard) go to the app's structured logger, which filters them by
// FLOTILLA_LOG_LEVEL and puts a step attempt's records in its trace (docs/telemetry.md).
// A log line never fails an orchestration: without the app's deps (bad settings) it stays a plain line.
setOrchestratorLogSink((context, level, message, fields) => {
  let logger;
  try {
    logger = appDeps().telemetry?.logger;
  } catch {
    logger = undefined;
  }
  if (logger) logger.log(level, message, fieldAttributes(fields));
  else plainLogSink(context, level, message, fields);
});

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
