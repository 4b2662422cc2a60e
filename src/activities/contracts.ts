/**
 * The typed activity contracts: ONE map of activity name -> { input, output }. Orchestrators call activities
 * only through `callActivity` (src/orchestrators/call.ts), so renaming an activity or changing its input is a
 * compile error. Everything here is plain, reference-sized data: it is stored in orchestration history.
 * No secret, SAS URL or callback token ever appears in these types.
 */
import type { LookupInput, LookupResult, StoreEntryInput } from '../cache/types';
import type { BackendKind, RunPoll, StepRef, StepStatus } from '../compute/port';
import type { BudgetSummary } from '../admission/budget';
import type { CostEstimate } from '../runs/cost';
import type { BlobLocation, RunPlan, StepPlan } from '../runs/plan';
import type { ImageRecord, RunOutcome, RunTotals, StepResult } from '../runs/records';
import type { ImageCounts } from '../runs/status';

export interface AcquireAdmissionInput {
  readonly kind: BackendKind;
  readonly leaseId: string;
  readonly runId: string;
  /** The step's own request; the activity admits what the backend really holds for it (ACI: the whole group). */
  readonly cpu: number;
  readonly memoryGb: number;
  readonly leaseMs: number;
  /** How long this attempt has waited for admission so far (orchestration time). */
  readonly waitedMs: number;
  /** The run has a budget: reserve the attempt's worst case in it first (src/admission/budget.ts). */
  readonly budget?: BudgetClaim;
}

/** What a budget reservation needs: the run's budget and who asks, with what priced (docs/orchestration.md). */
export interface BudgetClaim {
  readonly maxCost: number;
  readonly currency: string;
  readonly imageKey: string;
  readonly step: string;
  readonly attempt: number;
  readonly timeoutMs: number;
  readonly pool?: StepPlan['pool'];
}

/** settleBudget: an attempt ended; its reservation becomes what it ran (`runMs`) at its price. */
export interface SettleBudgetInput {
  readonly runId: string;
  readonly leaseId: string;
  readonly backend: BackendKind;
  readonly cpu: number;
  readonly memoryGb: number;
  readonly pool?: StepPlan['pool'];
  readonly runMs: number;
}

export type AdmissionAnswer =
  | { readonly granted: true }
  | { readonly granted: false; readonly cancelled: true }
  | {
      readonly granted: false;
      readonly cancelled: false;
      readonly retryAfterMs: number;
      readonly reason: string;
    }
  | {
      /** Waiting cannot help: the request never fits, or it has waited past FLOTILLA_ADMISSION_TIMEOUT_MS. */
      readonly granted: false;
      readonly cancelled: false;
      readonly refused: 'admission-impossible' | 'admission-timeout' | 'budget-exceeded';
      readonly reason: string;
    };

export interface ReleaseStepInput extends StepRefInput {
  /** The attempt's admission lease, released with the delete (or kept, zero-core, when deferred). */
  readonly leaseId: string;
  /** How long this teardown has waited for delete admission so far (orchestration time). */
  readonly waitedMs: number;
}

export type ReleaseStepOutput =
  | { readonly outcome: 'released' }
  /** Throttled (by the ledger or by ACI): try again after `retryAfterMs`. */
  | { readonly outcome: 'wait'; readonly retryAfterMs: number; readonly reason: string }
  /** Handed to the sweeper: the resource is tagged `teardown=deferred`. */
  | { readonly outcome: 'deferred'; readonly reason: string };

/** Where a step's inputs come from: the source image (and the outputs of its dependencies), or for finalize the results of every succeeded image. */
export type StepSource =
  | { readonly kind: 'image'; readonly image: string; readonly inputs: BlobLocation }
  | { readonly kind: 'finalize' };

export interface StartStepInput {
  readonly ref: StepRef;
  readonly step: StepPlan;
  readonly source: StepSource;
  readonly outputs: BlobLocation;
  /** All steps of the pipeline (finalize reads the sink steps' outputs). */
  readonly sinkSteps: readonly string[];
  /** Step id -> outputs prefix of its succeeded attempt, for the steps this one depends on. */
  readonly upstream?: Readonly<Record<string, string>>;
  /**
   * The orchestration instance that waits for this attempt (a lane running the step inline, or the step's
   * own instance): the signed callback names it, so the callback endpoint raises the event there.
   */
  readonly callbackInstance?: string;
}

/** The start of one attempt, admission folded in (docs/orchestration.md, "A step"). */
export interface BeginStepInput extends StartStepInput {
  /** The run's budget (RunPlan.budget): the attempt reserves its worst case in it before the quotas. */
  readonly budget?: { readonly maxCost: number; readonly currency: string };
  readonly admission: {
    readonly leaseId: string;
    readonly leaseMs: number;
    /** How long this attempt has waited for admission so far (orchestration time). */
    readonly waitedMs: number;
  };
}

export type StartStepOutput =
  | { readonly outcome: 'started'; readonly resource: string; readonly created: boolean }
  | {
      /** Nothing was started (the lease, if granted, is released again). */
      readonly outcome: 'permanent';
      readonly code: 'image-inaccessible' | 'bad-request';
      readonly message: string;
    }
  /** Admission answered: not now (wait `retryAfterMs`), never, or the run was cancelled. Nothing started. */
  | { readonly outcome: 'admission'; readonly answer: Exclude<AdmissionAnswer, { granted: true }> };

export interface FinishStepInput extends StepRefInput {
  readonly leaseId: string;
  readonly logsPrefix: string;
  /** > 0: a failed attempt's resource is kept this long (tagged) instead of deleted. */
  readonly keepOnFailureMs: number;
  /**
   * Set when the attempt ends without a final status (its deadline passed, or the run was cancelled): the
   * resource is torn down whatever its state. Unset: the status decides (not final yet: nothing is done).
   */
  readonly ending?: 'timeout' | 'cancelled';
}

export type FinishStepOutput =
  /** Not final yet: nothing was saved or torn down; keep waiting. */
  | { readonly finished: false; readonly status: StepStatus }
  | {
      readonly finished: true;
      /** The final status (absent when `ending` was set and the resource had not finished). */
      readonly status?: StepStatus;
      readonly logs: readonly string[];
      readonly teardown: StepTeardown;
    };

/** How a finished attempt's resource was left. `retry`: teardown failed here; the step retries it alone. */
export type StepTeardown =
  | ReleaseStepOutput
  | { readonly outcome: 'kept'; readonly keptUntil: string }
  | { readonly outcome: 'retry'; readonly reason: string };

export interface SaveStepLogsInput extends StepRefInput {
  readonly logsPrefix: string;
  /** The attempt succeeded: its staged outputs count (Batch, docs/security.md "SAS"). */
  readonly succeeded?: boolean;
}

export interface StepRefInput {
  readonly kind: BackendKind;
  readonly ref: StepRef;
}

export interface KeepStepInput extends StepRefInput {
  readonly keepUntil: string;
}

export interface LoadImagesInput {
  readonly runId: string;
  readonly indexes: readonly number[];
}

export interface LoadedImage {
  readonly index: number;
  readonly image: string;
  readonly imageKey: string;
}

export interface LoadImagesOutput {
  readonly cancelled: boolean;
  readonly images: readonly LoadedImage[];
}

export interface WriteManifestInput {
  readonly plan: RunPlan;
  readonly status: RunOutcome;
  readonly finishedAt: string;
  readonly finalize?: StepResult;
  /** Images whose record could not be written, with the reason (the manifest lists them as failed). */
  readonly unrecorded?: readonly {
    readonly imageKey: string;
    readonly image: string;
    readonly message: string;
  }[];
}

export interface WriteManifestOutput {
  readonly manifest: string;
  readonly totals: RunTotals;
  readonly cost: CostEstimate;
  /** The run's budget, when it has one (spent, reserved, refused). */
  readonly budget?: BudgetSummary;
}

export interface PollBatchRunInput {
  readonly runId: string;
  readonly watermark?: string;
}

export interface PollBatchRunOutput {
  readonly watermark: string;
  /** Completion notices delivered to step instances in this poll. */
  readonly raised: number;
  /** False once the run has written its manifest: the monitor stops. */
  readonly runActive: boolean;
}

/** A Batch step of one image and the attempt to run (Batch steps in bulk, docs/orchestration.md). */
export interface BatchStepAttempt {
  readonly step: StepPlan;
  readonly attempt: number;
}

/** A Batch step the run's monitor adds once `after` (a step of the same image, that attempt) succeeded. */
export interface LaterBatchStep extends BatchStepAttempt {
  readonly after: { readonly step: string; readonly attempt: number };
}

export interface SubmitBatchStepsInput extends Omit<StartStepInput, 'ref' | 'step'> {
  readonly runId: string;
  readonly imageKey: string;
  /** Added now, in one call. */
  readonly start: readonly BatchStepAttempt[];
  /** Written to the image's Batch plan for the monitor to add when their step succeeds. */
  readonly later: readonly LaterBatchStep[];
}

export type BatchStartOutcome =
  | { readonly outcome: 'started' }
  | {
      readonly outcome: 'permanent';
      readonly code: 'image-inaccessible' | 'bad-request';
      readonly message: string;
    };

export type SubmitBatchStepsOutput =
  | { readonly cancelled: true }
  | { readonly cancelled: false; readonly started: Readonly<Record<string, BatchStartOutcome>> };

/** What the monitor raises to the image orchestration when one of its Batch tasks completed. */
export interface BatchStepEvent {
  readonly status: StepStatus;
  readonly logs: readonly string[];
  /** Steps the monitor added after this one (they are running now), or could not add (permanent). */
  readonly added: Readonly<Record<string, BatchStartOutcome>>;
}

export interface StopBatchStepsInput {
  readonly runId: string;
  readonly imageKey: string;
  readonly steps: readonly { readonly step: string; readonly attempt: number }[];
}

export interface ActivityContracts {
  acquireAdmission: { input: AcquireAdmissionInput; output: AdmissionAnswer };
  releaseAdmission: { input: { kind: BackendKind; leaseId: string }; output: null };
  startStep: { input: BeginStepInput; output: StartStepOutput };
  finishStep: { input: FinishStepInput; output: FinishStepOutput };
  getStepStatus: { input: StepRefInput; output: StepStatus };
  saveStepLogs: { input: SaveStepLogsInput; output: string[] };
  releaseStep: { input: ReleaseStepInput; output: ReleaseStepOutput };
  keepStep: { input: KeepStepInput; output: null };
  loadImages: { input: LoadImagesInput; output: LoadImagesOutput };
  writeImageRecord: { input: ImageRecord; output: string };
  writeManifest: { input: WriteManifestInput; output: WriteManifestOutput };
  settleBudget: { input: SettleBudgetInput; output: null };
  pollBatchRun: { input: PollBatchRunInput; output: PollBatchRunOutput };
  /** `cancelled`: the run's job is terminated and deleted (its running tasks stop), not left to finish. */
  finishBatchRun: { input: { runId: string; cancelled?: boolean }; output: null };
  /** The step cache (docs/orchestration.md, 'Step cache'): lookup before admission, index write on success. */
  lookupStepCache: { input: LookupInput; output: LookupResult };
  storeStepCache: { input: StoreEntryInput; output: { stored: boolean } };
  submitBatchSteps: { input: SubmitBatchStepsInput; output: SubmitBatchStepsOutput };
  /** Ends the tasks (timeout, cancel) and frees what they hold; returns the logs of each step. */
  stopBatchSteps: { input: StopBatchStepsInput; output: Readonly<Record<string, readonly string[]>> };
}

export type ActivityName = keyof ActivityContracts;
export type ActivityInput<N extends ActivityName> = ActivityContracts[N]['input'];
export type ActivityOutput<N extends ActivityName> = ActivityContracts[N]['output'];

/** Re-exported so orchestrators import every contract from one place. */
export type { ImageCounts, RunPoll };
