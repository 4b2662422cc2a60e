/** The step cache's plain-data contract (carried in orchestration history: references only, no secrets). */
import type { BlobLocation, StepPlan } from '../runs/plan';

export interface LookupInput {
  readonly runId: string;
  readonly imageKey: string;
  readonly step: StepPlan;
  readonly source:
    | { readonly kind: 'image'; readonly image: string; readonly inputs: BlobLocation }
    | { readonly kind: 'finalize' };
  readonly outputs: BlobLocation;
  readonly sinkSteps: readonly string[];
  /** Dependency step id -> outputs prefix of its succeeded (or cached) result. */
  readonly upstream?: Readonly<Record<string, string>>;
  /** Dependency step id -> its cache key, when it has one. */
  readonly upstreamKeys?: Readonly<Record<string, string>>;
}

export type LookupResult =
  | {
      readonly hit: true;
      readonly key: string;
      /** The run whose outputs were copied. */
      readonly from: string;
      /** Where this run's copy of them is. */
      readonly outputsPrefix: string;
      readonly files: number;
    }
  | {
      readonly hit: false;
      readonly key?: string;
      readonly miss: 'not-cached' | 'outputs-missing' | 'unavailable';
      /** outputs-missing: the stale entry's ETag; the index write after the run replaces only that version. */
      readonly staleEtag?: string;
      readonly problem?: string;
    };

/** The index write after a step succeeded (src/cache/entry.ts). */
export interface StoreEntryInput {
  readonly key: string;
  readonly runId: string;
  readonly imageKey: string;
  readonly step: string;
  readonly container: string;
  /** The succeeded attempt's outputs prefix (final: the step has ended). */
  readonly prefix: string;
  /** The ETag of an entry the lookup found stale (its outputs were deleted): only that one is replaced. */
  readonly replaceEtag?: string;
}
