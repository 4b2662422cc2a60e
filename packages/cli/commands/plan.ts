/**
 * `flotilla plan <spec> --images <n|files|glob>`: the quote of a run before anything runs (docs/orchestration.md,
 * "Quote"): containers per backend, the time the quotas impose for the step durations, the cost range. Computed
 * here from the spec and the app's settings read from the environment (their defaults otherwise); with
 * --target, the deployed app answers (POST /api/plans) with its own settings.
 */
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { parse as parseYaml } from 'yaml';
import { quoteRun, type Quote } from '../../../src/admission/quote';
import { groupCores } from '../../../src/compute/aci/group-body';
import { settingsSchema } from '../../../src/config/settings';
import { loadPipelineFile, parseDuration, PipelineFileError } from '../../../src/pipeline';
import { planFromSpec } from '../../../src/runs/from-spec';
import { ApiCallError, FlotillaApi } from '../api-client';
import type { CommandModule } from '../main';
import { selectImages } from '../run/images';
import { formatError } from './validate';

interface PlanOptions {
  readonly images: string[];
  readonly stepDuration?: Record<string, string>;
  readonly target?: string;
  readonly key?: string;
  readonly json?: boolean;
}

function stepDuration(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const [step, duration] = value.split('=');
  if (!step || !duration || !parseDuration(duration).ok)
    throw new InvalidArgumentError('expected <step>=<duration>, e.g. tile=2m or predict=1h30m');
  return { ...previous, [step]: duration };
}

export const planCommand: CommandModule = (program: Command, setExitCode) => {
  program
    .command('plan')
    .description(
      'quote a run before it runs: containers per backend, the time the quotas impose, the cost range',
    )
    .argument('<pipeline>', 'pipeline spec file (YAML or JSON)')
    .requiredOption(
      '--images <images...>',
      'a number of images, or local image files / quoted globs to count',
    )
    .option(
      '--step-duration <step=duration>',
      "how long one attempt of a step runs (repeatable); default: the step's expectedDuration, else its timeout",
      stepDuration,
    )
    .option('--target <url>', 'quote with a deployed app and its settings (POST /api/plans)')
    .option('--key <key>', 'function key for --target (or FLOTILLA_FUNCTION_KEY)')
    .option('--json', 'print the quote as JSON')
    .action(async (pipeline: string, options: PlanOptions) => {
      setExitCode(await planPipeline(pipeline, options));
    });
};

/** Limits and prices as the app would read them: FLOTILLA_* from the environment, else their defaults. */
function setting<K extends keyof typeof settingsSchema.shape>(name: K) {
  return settingsSchema.shape[name].parse(process.env[name]) as unknown;
}

function localQuote(
  spec: Parameters<typeof planFromSpec>[0],
  images: number,
  durations: Record<string, number>,
) {
  const plan = planFromSpec(spec, 'r-plan', new Date(0).toISOString());
  const n = (name: keyof typeof settingsSchema.shape) => Number(setting(name));
  return quoteRun({
    steps: plan.steps,
    ...(plan.finalize ? { finalize: plan.finalize } : {}),
    concurrency: plan.concurrency,
    images,
    durations,
    limits: {
      aciCreatesPer5Min: n('FLOTILLA_ACI_CREATES_PER_5_MIN'),
      aciCreatesPerHour: n('FLOTILLA_ACI_CREATES_PER_HOUR'),
      aciCoreQuota: n('FLOTILLA_ACI_CORE_QUOTA'),
      aciGroupQuota: n('FLOTILLA_ACI_GROUP_QUOTA'),
      aciDeletesPer5Min: n('FLOTILLA_ACI_DELETES_PER_5_MIN'),
      aciDeletesPerHour: n('FLOTILLA_ACI_DELETES_PER_HOUR'),
      batchActiveJobQuota: n('FLOTILLA_BATCH_ACTIVE_JOB_QUOTA'),
      admissionTimeoutMs: n('FLOTILLA_ADMISSION_TIMEOUT_MS'),
      teardownWaitMs: n('FLOTILLA_TEARDOWN_WAIT_MS'),
    },
    prices: {
      aciVcpuSecond: n('FLOTILLA_PRICE_ACI_VCPU_SECOND'),
      aciGbSecond: n('FLOTILLA_PRICE_ACI_GB_SECOND'),
      batchNodeHour: n('FLOTILLA_PRICE_BATCH_NODE_HOUR'),
      currency: String(setting('FLOTILLA_PRICE_CURRENCY')),
    },
    aciGroupCores: (step) => groupCores(step),
  });
}

const msOf = (text: string): number => {
  const parsed = parseDuration(text);
  return parsed.ok ? parsed.ms : 0;
};

const minutes = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;

export function formatQuote(quote: Quote): string[] {
  const c = quote.cost.currency;
  return [
    `${quote.images} images: ${quote.containers.aci} ACI container groups, ${quote.containers.batch} Batch tasks`,
    ...quote.steps.map(
      (s) =>
        `  ${s.id} (${s.backend}) x${s.containers}: ${minutes(s.durationMs)} each (from ${s.durationFrom})`,
    ),
    `time the quotas impose: at least ${minutes(quote.time.minimumMs)} (limited by ${quote.time.limitedBy})`,
    ...Object.entries(quote.time.bounds).map(([k, v]: [string, number]) => `  ${k}: ${minutes(v)}`),
    `cost: ${quote.cost.min.toFixed(6)} to ${quote.cost.max.toFixed(6)} ${c} (ACI ${quote.cost.aci.min.toFixed(6)}-${quote.cost.aci.max.toFixed(6)}, Batch ${quote.cost.batch.min.toFixed(6)}-${quote.cost.batch.max.toFixed(6)})`,
  ];
}

export async function planPipeline(file: string, options: PlanOptions): Promise<number> {
  let spec;
  let raw: unknown;
  try {
    const result = await loadPipelineFile(file);
    if (!result.ok) {
      for (const e of result.errors) process.stderr.write(`${formatError(file, e)}\n`);
      return 1;
    }
    spec = result.spec;
    raw = parseYaml(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    if (!(error instanceof PipelineFileError)) throw error;
    process.stderr.write(`flotilla plan: ${error.message}\n`);
    return 1;
  }
  const count =
    options.images.length === 1 && /^[0-9]+$/.test(options.images[0] ?? '')
      ? Number(options.images[0])
      : await selectImages(options.images).then((s) =>
          s.kind === 'files' ? s.files.length : s.kind === 'blobs' ? s.names.length : 0,
        );
  if (!(count >= 1)) {
    process.stderr.write('flotilla plan: --images: give a number of images (at least 1) or local files\n');
    return 1;
  }
  const given = options.stepDuration ?? {};
  const ids = [...spec.steps.map((s) => s.id), ...(spec.finalize ? [spec.finalize.id] : [])];
  const unknown = Object.keys(given).filter((id) => !ids.includes(id));
  if (unknown.length) {
    process.stderr.write(
      `flotilla plan: --step-duration: no step ${unknown.join(', ')}; the steps are ${ids.join(', ')}\n`,
    );
    return 1;
  }
  let quote: Quote;
  try {
    quote = options.target
      ? ((await new FlotillaApi(options.target, options.key ?? process.env.FLOTILLA_FUNCTION_KEY).plan({
          pipeline: raw,
          images: count,
          stepDurations: given,
        })) as unknown as Quote)
      : localQuote(spec, count, Object.fromEntries(Object.entries(given).map(([k, v]) => [k, msOf(v)])));
  } catch (error) {
    if (!(error instanceof ApiCallError)) throw error;
    process.stderr.write(`flotilla plan: ${error.message}\n`);
    return 1;
  }
  if (options.json) process.stdout.write(`${JSON.stringify(quote)}\n`);
  else for (const line of formatQuote(quote)) process.stdout.write(`${line}\n`);
  return 0;
}
