import { app, type InvocationContext, type Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { sweep } from '../api/sweep';
import { recordTerminatedRuns } from '../api/terminated-runs';
import { loadSetting } from '../config';
import { appDeps } from '../composition';
import type { LogLevel } from '../telemetry/logger';

/**
 * The orphan sweeper (FLOTILLA_SWEEP_SCHEDULE, default every 5 minutes): the teardown guarantee, and the
 * manifest of runs terminated through the management API (api/terminated-runs.ts).
 */
export async function sweeperHandler(_timer: Timer, context: InvocationContext): Promise<void> {
  const deps = appDeps();
  // The structured logger (docs/telemetry.md) when the app has one, else the invocation's log.
  const telemetry = deps.telemetry;
  const log = telemetry
    ? (line: string, level?: LogLevel) => telemetry.logger.line(line, level)
    : (line: string) => context.log(line);
  const activities = { ...deps.activities, log };
  const client = df.getClient(context);
  // Terminated runs first: their steps are told to tear down, then the sweep removes what is left.
  const terminated = await recordTerminatedRuns(activities, client);
  const report = await sweep(activities, client, deps.backends);
  log(
    `sweep done examined=${report.examined} deleted=${report.deleted.length} kept=${report.kept} skipped=${report.skipped} errors=${report.errors} terminated=${terminated.length}`,
  );
}

app.timer('sweeper', {
  // Read at registration: the schedule is a setting with a default, not a required app setting.
  schedule: loadSetting('FLOTILLA_SWEEP_SCHEDULE'),
  extraInputs: [df.input.durableClient()],
  handler: sweeperHandler,
});
