/**
 * The ComputeBackend port: everything the orchestration needs from a place that runs containers, and
 * nothing about how. Inputs and outputs are plain data made of references (blob names, ids), safe to keep in
 * orchestration history: SAS URLs, secret values and callback tokens are produced inside the adapter, at
 * start time, and never returned.
 */

export type BackendKind = 'aci' | 'batch';

/** Identifies one attempt of one step of one image (a fanned-out item) of one run. */
export interface StepRef {
  readonly runId: string;
  readonly imageKey: string;
  readonly step: string;
  readonly attempt: number;
}

/** A blob the step reads, copied to `/flotilla/in/<path>`. */
export interface InputBlob {
  readonly container: string;
  readonly blob: string;
  /** Relative path under `/flotilla/in`; default: the blob name's last segment. */
  readonly path?: string;
}

/** Registry access for a private image. `identity` uses FLOTILLA_ACI_IDENTITY_ID / the pool identity. */
export type RegistryAccess =
  | { readonly server: string; readonly identity: true }
  | { readonly server: string; readonly username: string; readonly passwordSecret: string };

/** A Batch pool created on demand; identical specs share one pool (named by a hash of the spec). */
export interface PoolSpec {
  readonly vmSize: string;
  /** Container-enabled marketplace image; default: microsoft-azure-batch ubuntu-server-container 20-04-lts. */
  readonly imageReference?: {
    readonly publisher: string;
    readonly offer: string;
    readonly sku: string;
    readonly version?: string;
  };
  readonly nodeAgentSkuId?: string;
  readonly maxNodes: number;
  readonly taskSlotsPerNode?: number;
  /** Images prefetched when a node starts. */
  readonly prefetchImages?: readonly string[];
}

export interface StepLaunch extends StepRef {
  /** The user's container image. */
  readonly containerImage: string;
  /** A shell command, run with `/bin/sh -c`. */
  readonly command: string;
  readonly cpu: number;
  readonly memoryGb: number;
  readonly env?: Readonly<Record<string, string>>;
  /** Environment variable name -> secret reference; resolved at start, sent as a secure value only. */
  readonly secretEnv?: Readonly<Record<string, string>>;
  readonly registry?: RegistryAccess;
  readonly inputs: readonly InputBlob[];
  /** Where `/flotilla/out/**` goes: `<container>/<prefix>/<relative path>`. */
  readonly outputs: { readonly container: string; readonly prefix: string };
  /** Where logs go: `<container>/<prefix>/<container name>.log` (ACI) or `stdout.txt`/`stderr.txt` (Batch). */
  readonly logs: { readonly container: string; readonly prefix: string };
  /** Step deadline; also bounds the SAS lifetimes and the resources' expiry tag. */
  readonly timeoutMs: number;
  /**
   * Batch only: `memoryGb` is the container's limit (`--memory`), as on ACI; set for steps with
   * retry.onOutOfMemory (docs/pipeline-spec.md, "Retry classes"). Otherwise a task may use its node's memory.
   */
  readonly limitMemory?: boolean;
  /** Batch only: in-service retries for a non-zero exit. */
  readonly retries?: number;
  /** Batch only: steps of the same image that must succeed first. */
  readonly dependsOn?: readonly { readonly step: string; readonly attempt: number }[];
  /** Batch only: a named pool or a pool spec; default FLOTILLA_BATCH_POOL_ID. */
  readonly pool?: string | PoolSpec;
  /** The orchestration instance that waits for this attempt; the signed callback names it. */
  readonly callbackInstance?: string;
  /**
   * Batch steps in bulk (docs/orchestration.md): the orchestration instance (the lane running the image) the
   * run's monitor reports the task's completion to; unset, the step's own orchestration hears of it.
   */
  readonly notify?: string;
}

export interface StartResult extends StepRef {
  /** The container group name or `<job id>/<task id>`. */
  readonly resource: string;
  /** False when the resource already existed (a retried start): nothing new was made. */
  readonly created: boolean;
}

export type StepState = 'pending' | 'running' | 'succeeded' | 'failed';

/** One shape for both backends. */
export interface StepStatus {
  readonly state: StepState;
  readonly exitCode?: number;
  /** ISO 8601. */
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** Why it failed or is waiting, e.g. `OOMKilled`, `stage-out failed`, `ContainerInvalidImage`. */
  readonly reason?: string;
}

export interface StepReport extends StepRef, StepStatus {
  /** Batch: the launch's `notify`. */
  readonly notify?: string;
}

export interface RunPoll {
  /** Steps that reached a final state since the watermark. */
  readonly completed: readonly StepReport[];
  /** Pass back on the next poll. */
  readonly watermark: string;
}

/** A resource flotilla made, as the sweeper sees it. */
export interface ManagedResource {
  readonly backend: BackendKind;
  /** Group name, or Batch job id. */
  readonly name: string;
  readonly runId: string;
  readonly image?: string;
  readonly step?: string;
  readonly attempt?: number;
  /** ISO 8601; past this, the resource is an orphan unless its run is alive. */
  readonly expiresAt?: string;
  /** The step ended and handed this resource's delete to the sweeper (throttled deletes). */
  readonly teardownDeferred?: boolean;
  /**
   * A Batch pool flotilla made from a spec (`runId` is empty): an orphan once no job of this deployment
   * refers to it (`unused`).
   */
  readonly pool?: { readonly unused: boolean };
}

export interface ComputeBackend {
  readonly kind: BackendKind;
  /** vCPUs one step holds against the backend's core quota while it runs (ACI: the whole group; Batch: 0). */
  admissionCores(step: Pick<StepLaunch, 'cpu' | 'memoryGb'>): number;
  /** Starts the steps and returns once the service accepted them (never waits for them to run). */
  start(launches: readonly StepLaunch[]): Promise<StartResult[]>;
  status(ref: StepRef): Promise<StepStatus>;
  /** Steps of a run that completed since `watermark`, in one list call where the service allows it. */
  pollRun(runId: string, watermark?: string): Promise<RunPoll>;
  /**
   * Batch only: moves what the ended attempt staged (docs/security.md, "SAS") to its result names: its logs,
   * and its outputs only when it `succeeded`; then deletes its staging container. Runs before the attempt
   * is reported final. Idempotent (nothing staged is done); a failure throws and leaves the staging for a retry.
   */
  collectOutputs?(ref: StepRef, outcome: { readonly succeeded: boolean }): Promise<void>;
  /**
   * Batch only: the run is over: collects the logs of every attempt still staged (never outputs: an attempt
   * that counts was collected when it was reported) and deletes their staging containers.
   */
  collectRun?(runId: string): Promise<void>;
  /** Copies the step's logs to blob (before release); returns the blob names written. */
  saveLogs(launch: Pick<StepLaunch, keyof StepRef | 'logs'>): Promise<string[]>;
  /** Keeps a finished step's resource for inspection until `keepUntil` (ISO 8601): moves its expiry tag. */
  keep(ref: StepRef, keepUntil: string): Promise<void>;
  /**
   * Hands a finished step's resource to the sweeper: tags it `teardown=deferred` with an expiry of now, so
   * the next sweep deletes it even while its run goes on.
   */
  deferRelease(ref: StepRef): Promise<void>;
  /** Batch only: ends the steps' tasks now (timeout, cancel); a task already ended is done. Idempotent. */
  stop?(refs: readonly StepRef[]): Promise<void>;
  /** Frees what the step holds (ACI: deletes the group). Idempotent. */
  release(ref: StepRef): Promise<void>;
  /** The run added its last step: let the service finish (Batch: terminate the job when all tasks end). */
  finishRun(runId: string): Promise<void>;
  listManaged(): Promise<ManagedResource[]>;
  /** Deletes a resource listManaged returned. Idempotent. */
  deleteManaged(resource: ManagedResource): Promise<void>;
}
