/** The RunPlan of a validated pipeline spec: what the orchestrations carry (references only, no secrets). */
import type { PoolSpec } from '../compute/port';
import {
  formatSecretRef,
  toShellLine,
  type PipelineSpec,
  type PipelineStep,
  type PoolRef,
} from '../pipeline';
import { LANE_BATCH, type RunPlan, type StepPlan } from './plan';

function poolOf(pool: PoolRef | undefined): string | PoolSpec | undefined {
  if (!pool) return undefined;
  if (pool.kind === 'named') return pool.id;
  return {
    vmSize: pool.vmSize,
    maxNodes: pool.maxNodes,
    imageReference: pool.image,
    nodeAgentSkuId: pool.nodeAgentSkuId,
  };
}

/** A step's cache setting: its own, else the start request's, else the spec's top-level `cache`. */
export function stepPlanOf(step: PipelineStep, cacheDefault = false): StepPlan {
  const secrets = Object.entries(step.secrets);
  const pool = poolOf(step.pool);
  return {
    id: step.id,
    backend: step.backend,
    containerImage: step.image,
    command: toShellLine(step.command),
    cpu: step.cpu,
    memoryGb: step.memoryGB,
    ...(step.gpu ? { gpu: { count: step.gpu.count, ...(step.gpu.sku ? { sku: step.gpu.sku } : {}) } } : {}),
    ...(pool ? { pool } : {}),
    timeoutMs: step.timeoutMs,
    ...(step.expectedMs === undefined ? {} : { expectedMs: step.expectedMs }),
    retries: step.retries,
    ...(step.retry ? { retry: step.retry } : {}),
    ...(Object.keys(step.env).length > 0 ? { env: step.env } : {}),
    ...(secrets.length > 0
      ? { secretEnv: Object.fromEntries(secrets.map(([k, ref]) => [k, formatSecretRef(ref)])) }
      : {}),
    dependsOn: step.dependsOn,
    ...((step.cache ?? cacheDefault) ? { cache: true } : {}),
  };
}

export function planFromSpec(
  spec: PipelineSpec,
  runId: string,
  createdAt: string,
  laneBatch = LANE_BATCH,
  options: { readonly cache?: boolean } = {},
): RunPlan {
  const cache = options.cache ?? spec.cache;
  return {
    runId,
    pipeline: spec.name,
    inputs: { container: spec.inputs.container, prefix: spec.inputs.prefix },
    outputs: { container: spec.outputs.container, prefix: spec.outputs.prefix },
    steps: spec.steps.map((s) => stepPlanOf(s, cache)),
    ...(spec.finalize ? { finalize: stepPlanOf(spec.finalize, cache) } : {}),
    concurrency: spec.concurrency,
    toleratedFailurePercent: spec.toleratedFailurePercent,
    keepOnFailureMs: spec.teardown.keepOnFailureMs,
    laneBatch,
    createdAt,
    ...(spec.budget ? { budget: spec.budget } : {}),
  };
}
