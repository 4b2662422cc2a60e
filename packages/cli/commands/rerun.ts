/**
 * `flotilla rerun <runId> [--all]`: a new run of the original run's recorded plan over its failed and
 * cancelled images (every image with --all), through POST /api/runs/{id}/rerun (docs/http-api.md); then
 * follows it like `flotilla run` (exit codes as there), or with --detach prints its id and the status command.
 */
import { type Command } from 'commander';
import { ApiCallError } from '../api-client';
import type { CommandModule } from '../main';
import { addOutputOption, CliUsageError, EXIT, formatOf } from '../output';
import { addConnectOptions, type ConnectOptions, withApi } from '../run/connect';
import { followRun, INTERRUPTED_EXIT_CODE } from '../run/follow';
import { interval, outputsCommand } from './run';

type Options = ConnectOptions & {
  all?: boolean;
  detach?: boolean;
  json?: boolean;
  output?: string;
  interval: number;
};

export const rerunCommand: CommandModule = (program: Command, setExitCode) => {
  addOutputOption(
    addConnectOptions(
      program
        .command('rerun')
        .description("rerun a run's failed and cancelled images (--all: every image) with the plan it used")
        .argument('<runId>', 'the run to rerun')
        .option('--all', 'rerun every image, not only the failed and cancelled ones')
        .option('--detach', 'print the new run id and return instead of following the run')
        .option('--interval <ms>', 'how often to poll the run status (100-60000)', interval, 500),
    ),
  ).action(async (runId: string, options: Options) => {
    setExitCode(await rerun(runId, { ...options, json: formatOf(options) === 'json' }));
  });
};

const say = (json: boolean | undefined) => (line: string) => {
  if (json) process.stdout.write(`${JSON.stringify({ event: 'log', message: line })}\n`);
  else process.stderr.write(`${line}\n`);
};

export async function rerun(runId: string, options: Options): Promise<number> {
  const log = say(options.json);
  try {
    return await withApi(options, log, async (api, local, connection) => {
      const started = await api.rerunRun(runId, options.all ? 'all' : 'failed');
      log(`run ${started.runId} started: rerun of ${started.rerunOf}, ${started.images} images`);
      if (options.detach) {
        process.stdout.write(
          options.json ? `${JSON.stringify({ event: 'started', ...started })}\n` : `${started.runId}\n`,
        );
        log(`follow it with: flotilla status ${started.runId}`);
        return 0;
      }
      return followRun(api, started.runId, {
        json: options.json,
        interval: options.interval,
        ...(local ? { local } : {}),
        log,
        onAbort: () => process.exit(INTERRUPTED_EXIT_CODE),
        outputsCommand: (id) => outputsCommand(id, connection, options.state),
      });
    });
  } catch (error) {
    if (error instanceof CliUsageError) {
      log(`flotilla rerun: ${error.message}`);
      return EXIT.usage;
    }
    if (!(error instanceof ApiCallError)) throw error;
    log(`flotilla rerun: ${error.message}`);
    for (const d of error.details) log(`  ${d.path}: ${d.message}`);
    return 1;
  }
}
