/**
 * `flotilla outputs <runId> [--image <image>] [--step <id>] --to <dir>`: downloads an ended run's outputs (its
 * finalize step's included) through GET /api/runs/{id}/outputs. Exit code 0 all listed outputs downloaded;
 * 1 API or download error, or more outputs than one listing holds (narrow with --image or --step); 64 bad flag.
 */
import { type Command } from 'commander';
import type { CommandModule } from '../main';
import { addOutputOption, EXIT, formatOf, guarded } from '../output';
import { addConnectOptions, type ConnectOptions, withApi } from '../run/connect';
import { downloadOutputs } from '../run/download';

type Options = ConnectOptions & {
  image?: string;
  step?: string;
  to: string;
  json?: boolean;
  output?: string;
};

export const outputsCommand: CommandModule = (program: Command, setExitCode) => {
  addOutputOption(
    addConnectOptions(
      program
        .command('outputs')
        .description("download an ended run's outputs (the finalize step's included)")
        .argument('<runId>', 'the run id')
        .requiredOption('--to <dir>', 'folder to download into: <dir>/<imageKey>/<step>/<file>')
        .option('--image <image>', 'only this image (blob name, file name or image key), or "finalize"')
        .option('--step <step>', 'only this step'),
    ),
  ).action(async (runId: string, options: Options) => {
    const json = formatOf(options) === 'json';
    setExitCode(
      await guarded(
        'outputs',
        () =>
          withApi(
            options,
            () => undefined,
            async (api) => {
              const listed = await api.getOutputs(runId, { image: options.image, step: options.step });
              const files = await downloadOutputs(listed, options.to, (f) => {
                if (!json) process.stdout.write(`${f.file}  (${f.size} bytes)\n`);
              });
              const bytes = files.reduce((sum, f) => sum + f.size, 0);
              if (json)
                process.stdout.write(
                  `${JSON.stringify({ runId, status: listed.status, to: options.to, truncated: listed.truncated, files })}\n`,
                );
              else
                process.stderr.write(
                  `flotilla outputs: ${files.length} files (${bytes} bytes) of run ${runId} (${listed.status}) in ${options.to}\n`,
                );
              if (listed.truncated) {
                process.stderr.write(
                  'flotilla outputs: the run has more outputs than one listing holds; fetch the rest with --image or --step\n',
                );
                return EXIT.failed;
              }
              return EXIT.ok;
            },
          ),
        { image: '--image', step: '--step' },
      ),
    );
  });
};
