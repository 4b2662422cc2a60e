/** `flotilla logs <runId> [--image x] [--step y]`: the logs each finished step left in blob storage. */
import { type Command } from 'commander';
import type { CommandModule } from '../main';
import { addOutputOption, formatOf, guarded } from '../output';
import { addConnectOptions, type ConnectOptions, withApi } from '../run/connect';

type Options = ConnectOptions & { image?: string; step?: string; json?: boolean; output?: string };

export const logsCommand: CommandModule = (program: Command, setExitCode) => {
  addOutputOption(
    addConnectOptions(
      program
        .command('logs')
        .description('print the saved logs of finished steps of a run')
        .argument('<runId>', 'the run id')
        .option('--image <image>', 'only this image (blob name, file name or image key), or "finalize"')
        .option('--step <step>', 'only this step'),
    ),
  ).action(async (runId: string, options: Options) => {
    const code = await guarded(
      'logs',
      async () => {
        const logs = await withApi(
          options,
          () => undefined,
          (api) => api.getLogs(runId, { image: options.image, step: options.step }),
        );
        if (formatOf(options) === 'json') process.stdout.write(`${JSON.stringify(logs)}\n`);
        else {
          for (const step of logs.steps) {
            for (const log of step.logs) {
              process.stdout.write(`==> ${step.image} ${step.step} (${step.status}) ${log.name} <==\n`);
              process.stdout.write(log.text.endsWith('\n') || !log.text ? log.text : `${log.text}\n`);
            }
          }
          if (!logs.steps.length) process.stderr.write('flotilla logs: no finished step matches (yet)\n');
          if (logs.truncated)
            process.stderr.write('flotilla logs: only the first images are shown; use --image\n');
        }
        return 0;
      },
      { image: '--image', step: '--step' },
    );
    setExitCode(code);
  });
};
