/**
 * What a run executes, normalised and small enough to travel in orchestration inputs: no descriptions, no
 * secret values (secrets are references, resolved by the compute adapter when a step starts).
 */
import type { BackendKind, PoolSpec } from '../compute/port';
import type { RetryPolicy } from '../pipeline/types';

export interface StepPlan {
  readonly id: string;
  readonly backend: BackendKind;
  readonly containerImage: string;
  /** A shell command line, run with /bin/sh -c. */
  readonly command: string;
  readonly cpu: number;
  readonly memoryGb: number;
  readonly gpu?: { readonly count: number; readonly sku?: string };
  readonly pool?: string | PoolSpec;
  readonly timeoutMs: number;
  /** What the quote assumes one attempt runs (the spec's `expectedDuration`); absent: the timeout. */
  readonly expectedMs?: number;
  readonly retries: number;
  /** Retry classes (docs/pipeline-spec.md, "Retry classes"); absent: every failure is retried. */
  readonly retry?: RetryPolicy;
  readonly env?: Readonly<Record<string, string>>;
  /** Variable name -> secret reference (`setting:NAME` or a Key Vault URL), never a value. */
  readonly secretEnv?: Readonly<Record<string, string>>;
  readonly dependsOn: readonly string[];
  /** True: the step may reuse the outputs of an earlier identical run of it (docs/orchestration.md, 'Step cache'). */
  readonly cache?: boolean;
}

export interface BlobLocation {
  readonly container: string;
  readonly prefix?: string;
}

export interface RunPlan {
  readonly runId: string;
  readonly pipeline: string;
  readonly inputs: BlobLocation;
  readonly outputs: BlobLocation;
  readonly steps: readonly StepPlan[];
  readonly finalize?: StepPlan;
  readonly concurrency: number;
  readonly toleratedFailurePercent: number;
  /** 0: delete failed containers at once; otherwise keep them (tagged with an expiry) this long. */
  readonly keepOnFailureMs: number;
  /** A lane continues as new after this many images (keeps its history small). */
  readonly laneBatch: number;
  /** ISO 8601, when the run was accepted. */
  readonly createdAt: string;
  /** The run this one reruns (POST /api/runs/{id}/rerun, docs/http-api.md); its plan is this one's. */
  readonly rerunOf?: string;
  /** The run's cost cap (the start request's, else the spec's): docs/orchestration.md, "Admission with a budget". */
  readonly budget?: { readonly maxCost: number; readonly currency: string };
}

/** Default images per lane execution before continue-as-new. */
export const LANE_BATCH = 10;

export function usesBatch(plan: Pick<RunPlan, 'steps' | 'finalize'>): boolean {
  return plan.steps.some((s) => s.backend === 'batch') || plan.finalize?.backend === 'batch';
}

/** Number of lanes: min(concurrency, images), at least 1. */
export function laneCount(concurrency: number, images: number): number {
  return Math.max(1, Math.min(concurrency, images));
}

/** Lane striping: from image index `next`, every `lanes`-th index below `images`, at most `count` of them. */
export function laneIndexes(next: number, lanes: number, images: number, count: number): number[] {
  const out: number[] = [];
  for (let i = next; i < images && out.length < count; i += lanes) out.push(i);
  return out;
}

/**
 * Where one attempt's outputs go: `<outputs.prefix><runId>/<imageKey>/<step>/attempt-<n>/out/`. Each attempt
 * has its own folder, so a failed attempt's partial files never mix with a retry's; the step's outputs are
 * those of the attempt its result names (StepResult.outputsPrefix), and only those are a later step's inputs.
 */
export function outputsPrefix(
  plan: Pick<RunPlan, 'outputs' | 'runId'>,
  imageKey: string,
  step: string,
  attempt: number,
): string {
  return `${plan.outputs.prefix ?? ''}${plan.runId}/${imageKey}/${step}/attempt-${attempt}/out/`;
}

/** Where a cached step's copy of the outputs it reused goes: `<outputs.prefix><runId>/<imageKey>/<step>/cached/out/`. */
export function cachedOutputsPrefix(
  plan: Pick<RunPlan, 'outputs' | 'runId'>,
  imageKey: string,
  step: string,
): string {
  return `${plan.outputs.prefix ?? ''}${plan.runId}/${imageKey}/${step}/cached/out/`;
}

/** Where one attempt's logs go: `<runId>/<imageKey>/<step>/attempt-<n>/logs/` in the results container (never under `out/`). */
export function logsPrefix(runId: string, imageKey: string, step: string, attempt: number): string {
  return `${runId}/${imageKey}/${step}/attempt-${attempt}/logs/`;
}
