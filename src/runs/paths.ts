/** Where run state lives in blob storage (the app's storage account, FLOTILLA_STORAGE_BLOB_URL). */
export const RESULTS_CONTAINER = 'results';
export const STATE_CONTAINER = 'flotilla-state';

export const runPaths = {
  /** The run's image list, written once when the run is accepted. */
  images: (runId: string): string => `${runId}/images.json`,
  /** The request as accepted (plan + image count), for listing runs. */
  run: (runId: string): string => `${runId}/run.json`,
  /** Present once the run was asked to cancel. */
  cancel: (runId: string): string => `${runId}/cancel.json`,
  imageRecord: (runId: string, imageKey: string): string => `${runId}/${imageKey}/result.json`,
  manifest: (runId: string): string => `${runId}/manifest.json`,
  /** The run's budget ledger (reservations and settled costs), when it has a budget. */
  budget: (runId: string): string => `${runId}/budget.json`,
} as const;

export const statePaths = {
  ledger: (kind: string): string => `admission/${kind}.json`,
  kept: (resource: string): string => `kept/${resource}.json`,
  keptPrefix: 'kept/',
  /** A Batch attempt's resolved secrets, readable only through its task's read SAS; deleted when the step ends. */
  stepSecrets: (ref: { runId: string; imageKey: string; step: string; attempt: number }): string =>
    `step-secrets/${ref.runId}/${ref.imageKey}/${ref.step}/attempt-${ref.attempt}.env`,
  /** An image's Batch steps the run's monitor adds once the step before them succeeded. */
  batchPlan: (runId: string, imageKey: string): string => `batch-plans/${runId}/${imageKey}.json`,
  /** One record per `Idempotency-Key` of `POST /api/runs` (the key's SHA-256, never the key itself). */
  idempotency: (keyHash: string): string => `idempotency/${keyHash}.json`,
} as const;

/** `results/<runId>/images.json`. */
export interface ImageList {
  readonly runId: string;
  readonly images: readonly { readonly image: string; readonly imageKey: string }[];
}
