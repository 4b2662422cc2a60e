/**
 * `flotilla pipelines put <file> [--name <name>]` stores a spec (validated here first, then by the app:
 * PUT /api/pipelines/{name}); `flotilla pipelines get <name> [--to <file>]` prints or saves the stored text.
 * Exit code 0, 1 invalid spec or API error, 64 bad flag.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { type Command } from 'commander';
import { loadPipelineFile, PipelineFileError } from '../../../src/pipeline';
import type { CommandModule } from '../main';
import { addOutputOption, CliUsageError, formatOf, guarded } from '../output';
import { addConnectOptions, type ConnectOptions, withApi } from '../run/connect';
import { formatError } from './validate';

type Options = ConnectOptions & { name?: string; to?: string; json?: boolean; output?: string };

export const pipelinesCommand: CommandModule = (program: Command, setExitCode) => {
  const pipelines = program.command('pipelines').description('store and read pipeline specs in the app');
  addOutputOption(
    addConnectOptions(
      pipelines
        .command('put')
        .description('validate a spec file and store it under its name (or --name)')
        .argument('<file>', 'pipeline spec file (YAML or JSON)')
        .option(
          '--name <name>',
          "the name to store it under (default: the spec's own name, which must match)",
        ),
    ),
  ).action(async (file: string, options: Options) => {
    setExitCode(await guarded('pipelines put', () => put(file, options)));
  });
  addOutputOption(
    addConnectOptions(
      pipelines
        .command('get')
        .description('print a stored spec (or save it with --to)')
        .argument('<name>', 'the pipeline name')
        .option('--to <file>', 'write the spec to this file instead of printing it'),
    ),
  ).action(async (name: string, options: Options) => {
    setExitCode(
      await guarded('pipelines get', () =>
        withApi(
          options,
          () => undefined,
          async (api) => {
            const text = await api.getPipeline(name);
            if (options.to) writeFileSync(options.to, text);
            if (formatOf(options) === 'json')
              process.stdout.write(
                `${JSON.stringify({ name, ...(options.to ? { file: options.to } : { text }) })}\n`,
              );
            else if (options.to) process.stdout.write(`pipeline ${name} written to ${options.to}\n`);
            else process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
            return 0;
          },
        ),
      ),
    );
  });
};

async function put(file: string, options: Options): Promise<number> {
  let loaded;
  try {
    loaded = await loadPipelineFile(file);
  } catch (error) {
    if (error instanceof PipelineFileError) throw new CliUsageError(error.message);
    throw error;
  }
  if (!loaded.ok) {
    for (const error of loaded.errors) process.stderr.write(`${formatError(file, error)}\n`);
    process.stderr.write(`flotilla pipelines put: ${file} is not a valid pipeline; nothing was stored\n`);
    return 1;
  }
  const name = options.name ?? loaded.spec.name;
  const text = readFileSync(file, 'utf8');
  const stored = await withApi(
    options,
    () => undefined,
    (api) => api.putPipeline(name, text, extname(file).toLowerCase() === '.json'),
  );
  if (formatOf(options) === 'json') process.stdout.write(`${JSON.stringify(stored)}\n`);
  else
    process.stdout.write(
      `pipeline ${stored.name} stored: steps ${stored.steps.join(', ')}${stored.finalize ? `, finalize ${stored.finalize}` : ''}\n`,
    );
  return 0;
}
