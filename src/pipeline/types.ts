/** The normalised pipeline: defaults applied, durations in ms, references parsed. Plain, serialisable data. */
import type { GpuSku } from './limits';
import type { SecretRef } from './secret-ref';

export type { RawFinalize, RawPipeline, RawStep } from './spec-shape';
export type { SecretRef } from './secret-ref';

export type Backend = 'aci' | 'batch';

export type PoolRef =
  /** An existing pool, by id. */
  | { readonly kind: 'named'; readonly id: string }
  /** A pool flotilla creates from this spec (autoscale to zero when idle). */
  | {
      readonly kind: 'spec';
      readonly vmSize: string;
      readonly maxNodes: number;
      readonly image: {
        readonly publisher: string;
        readonly offer: string;
        readonly sku: string;
        readonly version: string;
      };
      readonly nodeAgentSkuId: string;
    };

export interface GpuRequest {
  readonly count: number;
  readonly sku?: GpuSku;
}

export interface PipelineStep {
  readonly id: string;
  readonly image: string;
  /** Exec form. A spec string `s` becomes ['/bin/sh', '-c', s]; see toShellLine for backends that need one line. */
  readonly command: readonly string[];
  /** Empty for root steps and for finalize. */
  readonly dependsOn: readonly string[];
  readonly backend: Backend;
  readonly cpu: number;
  readonly memoryGB: number;
  readonly gpu?: GpuRequest;
  /** Batch steps only; undefined means the app's default pool (setting FLOTILLA_BATCH_POOL_ID). */
  readonly pool?: PoolRef;
  readonly timeoutMs: number;
  /** `expectedDuration`: what the quote assumes one attempt runs (default: the timeout). */
  readonly expectedMs?: number;
  readonly retries: number;
  /** Retry classes (docs/pipeline-spec.md, "Retry classes"); absent: every failure is retried as before. */
  readonly retry?: RetryPolicy;
  readonly env: Readonly<Record<string, string>>;
  /** References only; resolved by the compute adapters when a step starts. */
  readonly secrets: Readonly<Record<string, SecretRef>>;
  /** The step's own `cache` setting, when it has one (it wins over the spec's and the start request's). */
  readonly cache?: boolean;
}

/** Retry classes, normalised: the OOM cap already includes the backend's limit. */
export interface RetryPolicy {
  readonly onOutOfMemory?: { readonly memoryFactor: number; readonly maxMemoryGB: number };
  /** When set, only these exit codes are retried (an out-of-memory kill follows onOutOfMemory). */
  readonly onExitCodes?: readonly number[];
  /** Never retried, whatever else says. */
  readonly never?: readonly number[];
}

export interface BlobLocation {
  readonly container: string;
  /** '' or a prefix as written (e.g. `damage-assessment/`). */
  readonly prefix: string;
}

export interface PipelineSpec {
  readonly name: string;
  readonly description?: string;
  readonly inputs: BlobLocation;
  readonly outputs: BlobLocation;
  readonly concurrency: number;
  readonly toleratedFailurePercent: number;
  /** Declaration order. */
  readonly steps: readonly PipelineStep[];
  /** Step ids by dependency level (level 0: root steps). Within a level, declaration order. */
  readonly levels: readonly (readonly string[])[];
  readonly finalize?: PipelineStep;
  readonly teardown: { readonly keepOnFailureMs: number };
  /** The spec's top-level `cache` (default false): every step that sets none reuses cached outputs. */
  readonly cache: boolean;
  /** The cost cap of each run (docs/pipeline-spec.md, "Budget"). */
  readonly budget?: { readonly maxCost: number; readonly currency: string };
}

/** One problem in a spec. `path` is like `steps[1].cpu` ('' for syntax errors and the document itself); line and column are 1-based. */
export interface SpecError {
  readonly path: string;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

export type ParseResult =
  | { readonly ok: true; readonly spec: PipelineSpec }
  | { readonly ok: false; readonly errors: readonly SpecError[] };
