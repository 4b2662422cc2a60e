/**
 * `flotilla status <runId>` and `flotilla cancel <runId>`: the run's progress table (with the run's own
 * duration: creation to end, or to now while it runs), or a cancel request. Exit codes: status 0 while the run
 * is in flight or succeeded, 2 partially succeeded, 1 any other end; 1 for an API error, 64 for bad flags.
 */
import { type Command } from 'commander';
import { hasEnded } from '../api-client';
import type { CommandModule } from '../main';
import { addOutputOption, formatOf, guarded } from '../output';
import { costLine, countsLine, formatDuration, resultTable, runDurationMs } from '../progress';
import { addConnectOptions, type ConnectOptions, withApi } from '../run/connect';
import { EXIT_CODES } from '../run/follow';

type Options = ConnectOptions & { json?: boolean; output?: string };

const quiet = () => undefined;

export const statusCommand: CommandModule = (program: Command, setExitCode) => {
  addOutputOption(
    addConnectOptions(
      program
        .command('status')
        .description("show a run's progress: counts, each image's step states, duration, cost estimate")
        .argument('<runId>', 'the run id printed by `flotilla run` or returned by POST /api/runs'),
    ),
  ).action(async (runId: string, options: Options) => {
    setExitCode(
      await guarded('status', () =>
        withApi(options, quiet, async (api) => {
          const run = await api.getRun(runId);
          const ended = hasEnded(run);
          const durationMs = runDurationMs(run, ended, Date.now());
          if (formatOf(options) === 'json')
            process.stdout.write(`${JSON.stringify({ ...run, durationMs }, null, 2)}\n`);
          else {
            const columns = process.stdout.columns || Infinity;
            process.stdout.write(`Run ${run.runId} (${run.pipeline}): ${run.status}\n`);
            process.stdout.write(
              `${ended ? 'Took' : 'Running for'} ${formatDuration(durationMs)} (created ${run.createdAt})\n`,
            );
            process.stdout.write(`${countsLine(run, durationMs, columns)}\n\n`);
            process.stdout.write(`${resultTable(run, columns).join('\n')}\n`);
            const cost = costLine(run.cost);
            if (cost) process.stdout.write(`${cost}\n`);
          }
          return ended ? (EXIT_CODES[run.status] ?? 1) : 0;
        }),
      ),
    );
  });
};

export const cancelCommand: CommandModule = (program: Command, setExitCode) => {
  addOutputOption(
    addConnectOptions(
      program
        .command('cancel')
        .description('cancel a run: stop admitting work and tear down what is in flight')
        .argument('<runId>', 'the run to cancel'),
    ),
  ).action(async (runId: string, options: Options) => {
    setExitCode(
      await guarded('cancel', () =>
        withApi(options, quiet, async (api) => {
          const answer = await api.cancelRun(runId);
          if (formatOf(options) === 'json') process.stdout.write(`${JSON.stringify(answer)}\n`);
          else process.stdout.write(`Run ${runId}: cancel requested\n`);
          return 0;
        }),
      ),
    );
  });
};
