/** Turns a validated raw spec into the normalised PipelineSpec: defaults applied, references parsed. */
import { toArgv } from './command';
import { parseDuration } from './duration';
import { topologicalLevels } from './graph';
import { ACI_LIMITS, BATCH_LIMITS, BUILT_IN_DEFAULTS } from './limits';
import { parseSecretRef, type SecretRef } from './secret-ref';
import type { RawFinalize, RawPipeline, RawStep } from './spec-shape';
import type { Backend, PipelineSpec, PipelineStep, PoolRef, RetryPolicy } from './types';

type RawDefaults = NonNullable<RawPipeline['defaults']>;
type RawPool = NonNullable<RawStep['pool']>;

export function normalise(raw: RawPipeline): PipelineSpec {
  const defaults: RawDefaults = raw.defaults ?? {};
  const steps = raw.steps.map((step) => normaliseStep(step, step.dependsOn ?? [], defaults));
  return {
    name: raw.name,
    ...(raw.description === undefined ? {} : { description: raw.description }),
    inputs: { container: raw.inputs.container, prefix: raw.inputs.prefix ?? '' },
    outputs: { container: raw.outputs.container, prefix: raw.outputs.prefix ?? '' },
    concurrency: raw.concurrency ?? BUILT_IN_DEFAULTS.concurrency,
    toleratedFailurePercent: raw.toleratedFailurePercent ?? BUILT_IN_DEFAULTS.toleratedFailurePercent,
    steps,
    levels: topologicalLevels(steps),
    ...(raw.finalize === undefined ? {} : { finalize: normaliseStep(raw.finalize, [], defaults) }),
    teardown: { keepOnFailureMs: ms(raw.teardown?.keepOnFailure ?? BUILT_IN_DEFAULTS.keepOnFailure) },
    cache: raw.cache ?? false,
    ...(raw.budget === undefined
      ? {}
      : { budget: { maxCost: raw.budget.maxCost, currency: raw.budget.currency ?? 'USD' } }),
  };
}

function normaliseStep(
  step: RawStep | RawFinalize,
  dependsOn: readonly string[],
  defaults: RawDefaults,
): PipelineStep {
  const backend = step.backend ?? defaults.backend ?? BUILT_IN_DEFAULTS.backend;
  const pool = backend === 'batch' ? (step.pool ?? defaults.pool) : undefined;
  return {
    id: step.id,
    image: step.image,
    command: toArgv(step.command),
    dependsOn: [...dependsOn],
    backend,
    cpu: step.cpu ?? defaults.cpu ?? BUILT_IN_DEFAULTS.cpu,
    memoryGB: step.memoryGB ?? defaults.memoryGB ?? BUILT_IN_DEFAULTS.memoryGB,
    ...(step.gpu === undefined
      ? {}
      : { gpu: { count: step.gpu.count, ...(step.gpu.sku ? { sku: step.gpu.sku } : {}) } }),
    ...(pool === undefined ? {} : { pool: poolRef(pool) }),
    timeoutMs: ms(step.timeout ?? defaults.timeout ?? BUILT_IN_DEFAULTS.timeout),
    ...(step.expectedDuration === undefined ? {} : { expectedMs: ms(step.expectedDuration) }),
    retries: step.retries ?? defaults.retries ?? BUILT_IN_DEFAULTS.retries,
    ...retryOf(step.retry, defaults.retry, backend),
    env: { ...step.env },
    secrets: Object.fromEntries(
      Object.entries(step.secrets ?? {}).map(([name, ref]) => [name, secretRef(ref)]),
    ),
    ...(step.cache === undefined ? {} : { cache: step.cache }),
  };
}

type RawRetry = NonNullable<RawStep['retry']>;

/** The step's retry classes over those of defaults (key by key); the OOM cap within the backend's limit. */
function retryOf(
  own: RawRetry | undefined,
  base: RawRetry | undefined,
  backend: Backend,
): { retry?: RetryPolicy } {
  if (!own && !base) return {};
  const merged: RawRetry = { ...base, ...own };
  const limit = backend === 'aci' ? ACI_LIMITS.maxMemoryGB : BATCH_LIMITS.maxMemoryGB;
  const oom = merged.onOutOfMemory;
  return {
    retry: {
      ...(oom
        ? {
            onOutOfMemory: {
              memoryFactor: oom.memoryFactor ?? 2,
              maxMemoryGB: Math.min(oom.maxMemoryGB ?? limit, limit),
            },
          }
        : {}),
      ...(merged.onExitCodes ? { onExitCodes: [...merged.onExitCodes] } : {}),
      ...(merged.never ? { never: [...merged.never] } : {}),
    },
  };
}

function poolRef(pool: RawPool): PoolRef {
  if (typeof pool === 'string') return { kind: 'named', id: pool };
  const [publisher = '', offer = '', sku = '', version = 'latest'] = (
    pool.image ?? BATCH_LIMITS.defaultImage
  ).split(':');
  return {
    kind: 'spec',
    vmSize: pool.vmSize,
    maxNodes: pool.maxNodes,
    image: { publisher, offer, sku, version },
    nodeAgentSkuId: pool.nodeAgentSkuId ?? BATCH_LIMITS.defaultNodeAgentSkuId,
  };
}

function ms(duration: string): number {
  const parsed = parseDuration(duration);
  if (!parsed.ok) throw new Error(`normalise: unvalidated duration (${parsed.message})`);
  return parsed.ms;
}

function secretRef(text: string): SecretRef {
  const parsed = parseSecretRef(text);
  if (!parsed.ok) throw new Error('normalise: unvalidated secret reference');
  return parsed.ref;
}
