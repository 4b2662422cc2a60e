import { app, type InvocationContext, type Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { sweep } from '../api/sweep';
import { loadSetting } from '../config';
import { appDeps } from '../composition';

/** The orphan sweeper (FLOTILLA_SWEEP_SCHEDULE, default every 5 minutes): the teardown guarantee. */
export async function sweeperHandler(_timer: Timer, context: InvocationContext): Promise<void> {
  const deps = appDeps();
  const report = await sweep(
    { ...deps.activities, log: (line) => context.log(line) },
    df.getClient(context),
    deps.backends,
  );
  context.log(
    `sweep done examined=${report.examined} deleted=${report.deleted.length} kept=${report.kept} skipped=${report.skipped} errors=${report.errors}`,
  );
}

app.timer('sweeper', {
  // Read at registration: the schedule is a setting with a default, not a required app setting.
  schedule: loadSetting('FLOTILLA_SWEEP_SCHEDULE'),
  extraInputs: [df.input.durableClient()],
  handler: sweeperHandler,
});
