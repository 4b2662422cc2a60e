/** Result records: what steps and images return, what is stored per image, and the run manifest. */
import type { BackendKind } from '../compute/port';
import type { BudgetSummary } from '../admission/budget';
import type { CostEstimate } from './cost';
import type { RunPlan } from './plan';

/** `cached`: the step reused the outputs of an earlier identical run of it (no container, no cost). */
export type StepOutcome = 'succeeded' | 'cached' | 'failed' | 'cancelled' | 'skipped';

/** Whether a step's outputs are there for its dependents: it ran and succeeded, or it was cached. */
export function stepSucceeded(status: string | undefined): boolean {
  return status === 'succeeded' || status === 'cached';
}

/** What the step cache did for a step (docs/orchestration.md, 'Step cache'); present when its cache is on. */
export interface StepCacheInfo {
  /** The step's cache key (a SHA-256 over references and identities, never a secret value). */
  readonly key?: string;
  /** A hit: the run whose outputs were copied into this run's outputs prefix. */
  readonly from?: string;
  /** A miss: `not-cached`, `outputs-missing` (the cached outputs were deleted), `unavailable` (storage). */
  readonly miss?: 'not-cached' | 'outputs-missing' | 'unavailable';
  /** After a run that succeeded: whether the index now names this run's outputs for the key. */
  readonly stored?: boolean;
  /** Why the lookup or the index write did not work (storage errors; the step's outcome stands). */
  readonly problem?: string;
}
export type ImageOutcome = 'succeeded' | 'failed' | 'cancelled';
/** `terminated`: the run orchestration was terminated through the management API (written by the sweeper). */
/** `budget_exceeded`: the run's budget refused a step (docs/orchestration.md, "Admission with a budget"). */
export type RunOutcome =
  'succeeded' | 'partially_succeeded' | 'failed' | 'cancelled' | 'terminated' | 'budget_exceeded';

/** Stable codes for why a step did not succeed. */
export type StepErrorCode =
  | 'exit-code'
  | 'timeout'
  | 'image-inaccessible'
  | 'bad-request'
  | 'start-failed'
  | 'infrastructure'
  | 'cancelled'
  | 'dependency-failed'
  | 'admission-impossible'
  | 'admission-timeout'
  | 'budget-exceeded';

export interface StepError {
  readonly code: StepErrorCode;
  readonly message: string;
}

/** What a step orchestration returns (and what the image record keeps per step). */
/** One attempt of a step, as the manifest lists it: the memory it ran with and how it ended. */
export interface AttemptSummary {
  readonly attempt: number;
  /** What admission reserved and the container was created with (a retry after OOM gets more). */
  readonly memoryGb: number;
  readonly runMs: number;
  readonly exitCode?: number;
  /** The attempt was killed for running out of memory (ACI OOMKilled, exit 137). */
  readonly outOfMemory?: true;
  readonly error?: StepError['code'];
}

export interface StepResult {
  readonly step: string;
  readonly status: StepOutcome;
  readonly backend: BackendKind;
  readonly attempts: number;
  readonly exitCode?: number;
  /** ISO 8601 of the last attempt. */
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** Billable run time over all attempts, in ms (for the cost estimate). */
  readonly runMs: number;
  readonly cpu: number;
  /** The spec's memory request; each attempt's own is in `attemptHistory`. */
  readonly memoryGb: number;
  /** Every attempt, in order (absent in records written before retry classes). */
  readonly attemptHistory?: readonly AttemptSummary[];
  readonly outputsPrefix: string;
  readonly logs: readonly string[];
  readonly error?: StepError;
  /** keepOnFailure: the failed attempt's resource was left (tagged) until this time. */
  readonly keptUntil?: string;
  /**
   * `deferred`: deleting an attempt's resource was throttled past FLOTILLA_TEARDOWN_WAIT_MS and handed to
   * the sweeper (the resource is tagged `teardown=deferred`). The step's status is what the container did.
   */
  readonly teardown?: 'deferred';
  readonly cache?: StepCacheInfo;
}

/** What an image orchestration returns: a reference-sized summary. */
export interface ImageResult {
  readonly imageKey: string;
  readonly status: ImageOutcome;
  readonly failedStep?: string;
  /** A step of it was refused by the run's budget (it did not run). */
  readonly budgetExceeded?: true;
  /** Why the image failed when no step did: its record could not be written (`record-unwritten`). */
  readonly error?: { readonly code: 'record-unwritten'; readonly message: string };
}

/** `results/<runId>/<imageKey>/result.json`. */
export interface ImageRecord extends ImageResult {
  readonly runId: string;
  /** The source blob name. */
  readonly image: string;
  readonly steps: readonly StepResult[];
  readonly startedAt: string;
  readonly finishedAt: string;
}

export interface RunTotals {
  readonly images: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly cancelled: number;
  readonly steps: number;
  readonly stepAttempts: number;
}

/** `results/<runId>/manifest.json`. */
export interface Manifest {
  readonly runId: string;
  readonly pipeline: string;
  readonly status: RunOutcome;
  readonly spec: RunPlan;
  /** The run this one reruns (POST /api/runs/{id}/rerun). */
  readonly rerunOf?: string;
  readonly createdAt: string;
  readonly finishedAt: string;
  readonly images: readonly ImageRecord[];
  readonly finalize?: StepResult;
  readonly cost: CostEstimate;
  readonly totals: RunTotals;
  /** What kept the manifest from being complete (e.g. the run's image list was deleted during the run). */
  readonly problems?: readonly string[];
  /** The run's budget: spent, and what did not run because of it (docs/orchestration.md). */
  readonly budget?: ManifestBudget;
}

export interface ManifestBudget extends BudgetSummary {
  /** Images that did not start because of the budget (none of their steps ran). */
  readonly notStarted: readonly { readonly imageKey: string; readonly image: string }[];
}

export function imageOutcome(steps: readonly StepResult[]): {
  status: ImageOutcome;
  failedStep?: string;
  budgetExceeded?: true;
} {
  const budget = steps.some((s) => s.error?.code === 'budget-exceeded')
    ? { budgetExceeded: true as const }
    : {};
  const failed = steps.find((s) => s.status === 'failed');
  if (failed) return { status: 'failed', failedStep: failed.step, ...budget };
  if (steps.some((s) => s.status === 'cancelled' || s.status === 'skipped'))
    return { status: 'cancelled', ...budget };
  return { status: 'succeeded' };
}

export function totalsOf(images: readonly ImageRecord[], finalize?: StepResult): RunTotals {
  const steps = [...images.flatMap((i) => i.steps), ...(finalize ? [finalize] : [])];
  return {
    images: images.length,
    succeeded: images.filter((i) => i.status === 'succeeded').length,
    failed: images.filter((i) => i.status === 'failed').length,
    cancelled: images.filter((i) => i.status === 'cancelled').length,
    steps: steps.length,
    stepAttempts: steps.reduce((sum, s) => sum + s.attempts, 0),
  };
}
