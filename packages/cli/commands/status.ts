/** `flotilla status <runId>` and `flotilla cancel <runId>`: the run's progress table, or a cancel request. */
import { type Command } from 'commander';
import { ApiCallError } from '../api-client';
import type { CommandModule } from '../main';
import { countsLine, resultTable } from '../progress';
import { addConnectOptions, type ConnectOptions, withApi } from '../run/connect';
import { EXIT_CODES } from '../run/follow';

type Options = ConnectOptions & { json?: boolean };

const quiet = () => undefined;

export const statusCommand: CommandModule = (program: Command, setExitCode) => {
  addConnectOptions(
    program
      .command('status')
      .description("show a run's progress: counts, each image's step states, cost estimate")
      .argument('<runId>', 'the run id printed by `flotilla run` or returned by POST /api/runs')
      .option('--json', 'print the run as JSON'),
  ).action(async (runId: string, options: Options) => {
    setExitCode(
      await guard(() =>
        withApi(options, quiet, async (api) => {
          const run = await api.getRun(runId);
          if (options.json) process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
          else {
            process.stdout.write(`Run ${run.runId} (${run.pipeline}): ${run.status}\n`);
            process.stdout.write(
              `${countsLine(run, Date.parse(run.updatedAt) - Date.parse(run.createdAt))}\n\n`,
            );
            process.stdout.write(`${resultTable(run).join('\n')}\n`);
          }
          return EXIT_CODES[run.status] ?? (['running', 'pending'].includes(run.status) ? 0 : 1);
        }),
      ),
    );
  });
};

export const cancelCommand: CommandModule = (program: Command, setExitCode) => {
  addConnectOptions(
    program
      .command('cancel')
      .description('cancel a run: stop admitting work and tear down what is in flight')
      .argument('<runId>', 'the run to cancel'),
  ).action(async (runId: string, options: Options) => {
    setExitCode(
      await guard(() =>
        withApi(options, quiet, async (api) => {
          await api.cancelRun(runId);
          process.stdout.write(`Run ${runId}: cancel requested\n`);
          return 0;
        }),
      ),
    );
  });
};

async function guard(body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (!(error instanceof ApiCallError)) throw error;
    process.stderr.write(`flotilla: ${error.message}\n`);
    for (const d of error.details) process.stderr.write(`  ${d.path}: ${d.message}\n`);
    return 1;
  }
}
