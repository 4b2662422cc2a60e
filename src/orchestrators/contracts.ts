/** The orchestrator contracts: names, inputs and outputs of every orchestration, in one map. */
import type { StartStepInput } from '../activities/contracts';
import type { BudgetSummary } from '../admission/budget';
import type { CostEstimate } from '../runs/cost';
import type { RunPlan } from '../runs/plan';
import type { RunOutcome, RunTotals, StepResult } from '../runs/records';
import type { ImageCounts } from '../runs/status';

export interface RunInput {
  readonly plan: RunPlan;
  readonly imageCount: number;
}

export interface RunOutput {
  readonly runId: string;
  readonly status: RunOutcome;
  readonly counts: ImageCounts;
  readonly totals: RunTotals;
  readonly cost: CostEstimate;
  readonly manifest: string;
  readonly budget?: BudgetSummary;
}

export type RunPhase = 'admission' | 'images' | 'finalize' | 'finishing' | 'done';

/** The run's custom status (what `GET /api/runs/{id}` starts from). */
export interface RunCustomStatus {
  readonly phase: RunPhase;
  readonly lanes: number;
  readonly images: number;
  readonly counts?: ImageCounts;
}

export interface LaneInput {
  readonly plan: RunPlan;
  readonly lane: number;
  readonly lanes: number;
  readonly images: number;
  /** The next image index this execution handles. */
  readonly next: number;
  readonly counts: ImageCounts;
  readonly unrecorded?: readonly UnrecordedImage[];
  /** An image of this lane was refused by the budget (a failed image whose retry the budget refused). */
  readonly budgetExceeded?: boolean;
}

/** An image whose record could not be written: the manifest still lists it, failed, with this reason. */
export interface UnrecordedImage {
  readonly imageKey: string;
  readonly image: string;
  readonly message: string;
}

export interface LaneOutput {
  readonly counts: ImageCounts;
  readonly cancelled: boolean;
  readonly unrecorded?: readonly UnrecordedImage[];
  /** The budget refused a step of this lane: its remaining images did not start. */
  readonly budgetExceeded?: boolean;
}

export interface LaneCustomStatus {
  readonly counts: ImageCounts;
  readonly current?: {
    readonly index: number;
    readonly imageKey: string;
    readonly image?: string;
    /** The image's step states (`waiting`, `running`, `succeeded`, ...). */
    readonly steps?: ImageCustomStatus['steps'];
    /** The step this lane runs inline, if any (the others run as step instances). */
    readonly step?: InlineStepStatus;
  };
}

/** A step run inline by its lane: its id and what a step instance would say in its custom status. */
export interface InlineStepStatus extends StepCustomStatus {
  readonly id: string;
}

export interface ImageInput {
  readonly plan: RunPlan;
  readonly index: number;
  readonly image: string;
  readonly imageKey: string;
}

/** An image's step states (in its lane's custom status). */
export interface ImageCustomStatus {
  readonly steps: Readonly<Record<string, string>>;
  /** Batch steps the image orchestration itself waits for (the cancel request raises `cancel` to it). */
  readonly batch?: readonly string[];
}

export interface StepOrchestratorInput extends Omit<StartStepInput, 'ref'> {
  readonly runId: string;
  readonly imageKey: string;
  readonly keepOnFailureMs: number;
  /** Dependency step id -> its cache key, when it has one (the step cache keys dependents by them). */
  readonly upstreamKeys?: Readonly<Record<string, string>>;
  /** The run's budget (RunPlan.budget): every attempt reserves its worst case first. */
  readonly budget?: RunPlan['budget'];
}

export type StepPhase = 'admission' | 'starting' | 'waiting' | 'finishing' | 'teardown' | 'done';

/** The step's custom status; the callback endpoint accepts a callback only for the attempt that is `waiting`. */
export interface StepCustomStatus {
  readonly attempt: number;
  readonly phase: StepPhase;
  /** While admission answers "wait": what the step waits for (e.g. `ACI core quota`), and since when. */
  readonly waitingFor?: string;
  readonly waitingSince?: string;
}

export interface BatchMonitorInput {
  readonly runId: string;
  readonly watermark?: string;
  readonly idleMs?: number;
}

export interface OrchestratorContracts {
  runOrchestrator: { input: RunInput; output: RunOutput };
  laneOrchestrator: { input: LaneInput; output: LaneOutput };
  stepOrchestrator: { input: StepOrchestratorInput; output: StepResult };
  batchMonitorOrchestrator: { input: BatchMonitorInput; output: null };
}

export type OrchestratorName = keyof OrchestratorContracts;

/**
 * Event names raised to the instance running a step (its own, or its lane's when inline). The completion
 * names the image, the step and the attempt, so a late one never wakes another step of the same lane.
 * The durable client puts an event name into the raise-event URL's path as it is (no encoding), so names
 * use only URL-path-safe characters: image keys and step ids are `[a-z0-9-]`, the separators are `:`.
 * A `/` or `#` there silently renames the event, and the wait for it then never ends.
 */
export const events = {
  stepCompleted: (imageKey: string, step: string, attempt: number): string =>
    `step-completed:${imageKey}:${step}:${attempt}`,
  /** To the instance running an image's Batch steps in bulk, from the run's Batch monitor (a BatchStepEvent). */
  batchStep: (imageKey: string, step: string, attempt: number): string =>
    `batch-step:${imageKey}:${step}:${attempt}`,
  cancel: 'cancel',
} as const;
