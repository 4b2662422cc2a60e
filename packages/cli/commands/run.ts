/**
 * `flotilla run <pipeline> --images ...`: validates the spec, boots the embedded stack (or talks to a
 * deployed app: --target, FLOTILLA_TARGET or the config file; local image files are uploaded through the
 * app's upload URLs), starts the run through the HTTP API, shows live progress and ends with a result table,
 * the cost and the command that fetches the outputs. Exit code: 0 all images succeeded, 2 partially succeeded, 1 failed, cancelled or invalid,
 * 130 interrupted: Ctrl-C cancels the run and waits for its teardown before exiting, a second Ctrl-C exits at
 * once. The embedded stack's processes run in their own process groups, so only this process sees Ctrl-C.
 */
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { parse as parseYaml } from 'yaml';
import { loadPipelineFile, PipelineFileError, type PipelineSpec } from '../../../src/pipeline';
import { ApiCallError, FlotillaApi } from '../api-client';
import type { Connection } from '../config';
import type { CommandModule } from '../main';
import { addOutputOption, CliUsageError, EXIT, formatOf } from '../output';
import { connectionOf } from '../run/connect';
import { uploadThroughApp } from '../run/upload';
import { selectImages, ImageSelectionError } from '../run/images';
import { bootLocalStack, type LocalStack, localImageMounts } from '../run/local-stack';
import { followRun, INTERRUPTED_EXIT_CODE } from '../run/follow';
import { formatError } from './validate';
import { readFileSync } from 'node:fs';

export interface RunOptions {
  readonly images: string[];
  readonly target?: string;
  readonly key?: string;
  readonly config?: string;
  readonly json?: boolean;
  readonly output?: string;
  readonly state: string;
  readonly faults?: string;
  readonly simulate?: boolean;
  readonly interval: number;
  /** --cache / --no-cache: the step cache for this run (default: what the spec says). */
  readonly cache?: boolean;
  readonly budget?: { maxCost: number; currency: string };
}

/** `--budget <n>[:<CUR>]`, e.g. `2.5` or `2.5:EUR` (currency default USD). */
export function parseBudget(text: string): { maxCost: number; currency: string } {
  const match = /^([0-9]+(?:\.[0-9]+)?)(?::([A-Z]{3}))?$/.exec(text.trim());
  const maxCost = Number(match?.[1]);
  if (!match || !(maxCost > 0))
    throw new InvalidArgumentError('expected <maxCost>[:<CURRENCY>], e.g. 2.5 or 2.5:EUR (maxCost > 0)');
  return { maxCost, currency: match[2] ?? 'USD' };
}

export const runCommand: CommandModule = (program: Command, setExitCode) => {
  const command = program
    .command('run')
    .description('run a pipeline over images and show its progress (embedded stack unless --target)')
    .argument('<pipeline>', 'pipeline spec file (YAML or JSON)')
    .requiredOption(
      '--images <images...>',
      'local image files or quoted globs, or blob names / a blob prefix ending in "/"',
    )
    .option('--target <url>', "a deployed app's base URL (or FLOTILLA_TARGET; default: the embedded stack)")
    .option('--key <key>', 'function key for the target (prefer FLOTILLA_FUNCTION_KEY or the config file)')
    .option('--config <file>', 'config file with target and functionKey (or FLOTILLA_CONFIG)')
    .option('--state <dir>', 'state folder of the embedded stack (Azurite data, logs)', '.flotilla')
    .option('--faults <file>', 'fault rules for the embedded emulators (JSON, see docs/emulators.md)')
    .option('--simulate', 'simulate steps in the emulators instead of running them')
    .option('--interval <ms>', 'how often to poll the run status (100-60000)', interval, 500)
    .option(
      '--cache',
      "reuse the outputs of earlier identical runs of each step (they show as 'cached'; a step's own cache: false wins)",
    )
    .option(
      '--no-cache',
      "run every step even if the spec turns the step cache on (a step's own cache: true wins)",
    )
    .option(
      '--budget <maxCost[:CUR]>',
      'cost cap of the run, e.g. 2.5 or 2.5:EUR (default currency USD; must be the prices currency): steps that could pass it do not start, the run ends budget_exceeded',
      parseBudget,
    );
  addOutputOption(command).action(async (pipeline: string, options: RunOptions) => {
    setExitCode(await runPipeline(pipeline, { ...options, json: formatOf(options) === 'json' }));
  });
};

/** `--interval`: a whole number of milliseconds, 100 to 60000. */
export function interval(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 100 || n > 60_000)
    throw new InvalidArgumentError(`expected milliseconds from 100 to 60000, got ${JSON.stringify(value)}`);
  return n;
}

/** The command that fetches a run's outputs from where it ran (no key: it comes from the env or config). */
export function outputsCommand(runId: string, connection: Connection | undefined, state: string): string {
  const where = !connection?.target
    ? ` --state ${quote(state)}`
    : connection.targetFrom === 'flag'
      ? ` --target ${quote(connection.target)}`
      : '';
  return `flotilla outputs ${runId}${where} --to ./${runId}`;
}

const quote = (value: string) =>
  /^[\w./:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;

const say = (json: boolean | undefined) => (line: string) => {
  if (json) process.stdout.write(`${JSON.stringify({ event: 'log', message: line })}\n`);
  else process.stderr.write(`${line}\n`);
};

export async function runPipeline(pipelineFile: string, options: RunOptions): Promise<number> {
  const log = say(options.json);
  const loaded = await loadSpec(pipelineFile, options.json);
  if (!loaded) return 1;
  let selection;
  try {
    selection = await selectImages(options.images);
  } catch (error) {
    if (!(error instanceof ImageSelectionError)) throw error;
    log(`flotilla run: ${error.message}`);
    return 1;
  }
  let connection: Connection;
  try {
    connection = connectionOf(options, log);
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    log(`flotilla run: ${error.message}`);
    return EXIT.usage;
  }
  let local: LocalStack | undefined;
  let following = false;
  let stopping = false;
  // Outside the follow loop (which turns Ctrl-C into a cancel), a signal stops the embedded stack and exits,
  // so no emulator, Azurite or host process outlives the command; a signal while stopping exits at once (the
  // exit kills the stack's process groups, see packages/emulators/common/child-guard.ts).
  const onSignal = (signal: NodeJS.Signals) => {
    if (following && signal === 'SIGINT') return;
    const code = signal === 'SIGINT' ? INTERRUPTED_EXIT_CODE : 143;
    if (stopping) {
      log(`flotilla run: ${signal}, exiting now`);
      process.exit(code);
    }
    stopping = true;
    log(`flotilla run: ${signal}, stopping`);
    void (local?.stop() ?? Promise.resolve()).finally(() => process.exit(code));
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, onSignal);
  try {
    if (!connection.target) {
      local = await bootLocalStack({
        stateDir: resolve(options.state),
        mode: options.simulate ? 'simulate' : 'auto',
        images: [
          ...loaded.spec.steps.map((s) => s.image),
          ...(loaded.spec.finalize ? [loaded.spec.finalize.image] : []),
        ],
        ...(options.faults ? { faults: resolve(options.faults) } : {}),
        imageMounts: localImageMounts(pipelineFile),
        log,
      });
    }
    const api = local
      ? new FlotillaApi(local.baseUrl, local.key)
      : new FlotillaApi(connection.target!, connection.key);
    const { spec, raw } = loaded;
    const images =
      selection.kind === 'files'
        ? local
          ? await local.uploadImages(spec.inputs.container, spec.inputs.prefix, selection.files)
          : await uploadThroughApp(api, spec.inputs, selection.files, log)
        : selection.kind === 'blobs'
          ? selection.names
          : undefined;
    const started = await api.startRun({
      pipeline: raw,
      ...(images ? { images } : {}),
      ...(selection.kind === 'prefix' ? { prefix: selection.prefix } : {}),
      ...(options.cache === undefined ? {} : { cache: options.cache }),
      ...(options.budget ? { budget: options.budget } : {}),
    });
    log(`run ${started.runId} started: pipeline ${started.pipeline}, ${started.images} images`);
    following = true;
    return await followRun(api, started.runId, {
      json: options.json,
      interval: options.interval,
      local,
      log,
      // A second Ctrl-C: exit now; the exit kills the stack's process groups (common/child-guard.ts).
      onAbort: () => process.exit(INTERRUPTED_EXIT_CODE),
      outputsCommand: (runId) => outputsCommand(runId, connection, options.state),
    });
  } catch (error) {
    if (error instanceof CliUsageError) {
      log(`flotilla run: ${error.message}`);
      return EXIT.usage;
    }
    if (error instanceof ApiCallError) {
      log(`flotilla run: ${error.message}`);
      for (const d of error.details) log(`  ${d.path}: ${d.message}`);
      return 1;
    }
    log(`flotilla run: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    following = false;
    stopping = true;
    if (local) {
      log('stopping the embedded stack');
      await local.stop();
    }
    for (const signal of signals) process.off(signal, onSignal);
  }
}

async function loadSpec(
  file: string,
  json: boolean | undefined,
): Promise<{ spec: PipelineSpec; raw: unknown } | undefined> {
  try {
    const result = await loadPipelineFile(file);
    if (result.ok) return { spec: result.spec, raw: parseYaml(readFileSync(file, 'utf8')) as unknown };
    for (const error of result.errors) {
      if (json) process.stdout.write(`${JSON.stringify({ event: 'invalid', file, ...error })}\n`);
      else process.stderr.write(`${formatError(file, error)}\n`);
    }
    say(json)(`flotilla run: ${file} is not a valid pipeline; nothing was started`);
    return undefined;
  } catch (error) {
    if (!(error instanceof PipelineFileError)) throw error;
    say(json)(`flotilla run: ${error.message}`);
    return undefined;
  }
}
