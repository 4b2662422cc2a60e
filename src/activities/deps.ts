/**
 * What activities need, built once by the composition root (src/composition.ts) and handed to the activity
 * factories; tests build the same adapters against Azurite and the emulators.
 */
import type { AdmissionLimits } from '../admission/policy';
import type { BackendKind, ComputeBackend, StepRef } from '../compute/port';
import type { Prices } from '../runs/cost';
import type { BlobStore } from '../storage/blob-store';
import type { LogLevel } from '../telemetry/logger';
import type { Tracer } from '@opentelemetry/api';
import type { ActivityInput, ActivityName, ActivityOutput } from './contracts';

export type RunStore = Pick<
  BlobStore,
  'list' | 'putText' | 'getText' | 'readManifest' | 'writeManifest' | 'copyBlob'
>;

export interface ActivityDeps {
  readonly store: RunStore;
  compute(kind: BackendKind): ComputeBackend;
  readonly limits: AdmissionLimits;
  readonly prices: Prices;
  readonly now: () => number;
  /**
   * A `message key=value ...` line (default level info). In the app it goes to the structured logger
   * (docs/telemetry.md), which stamps the running activity's step attributes on it.
   */
  readonly log: (line: string, level?: LogLevel) => void;
  /** Set when traces are exported: every activity invocation gets a span (src/telemetry/activity-span.ts). */
  readonly tracer?: Tracer;
  /**
   * Tells a step its attempt has finished (the Batch monitor): a signed POST to the app's own callback
   * endpoint, the same path a container's callback takes. Rejects when the step did not accept it.
   */
  notifyStep(ref: StepRef, exitCode: number | undefined): Promise<void>;
  /**
   * Raises an event to an orchestration through the durable client (the Batch monitor's poll). Given per
   * invocation by the activities that bind a durable client (src/functions/durable.ts).
   */
  readonly raiseEvent?: (instanceId: string, name: string, data: unknown) => Promise<void>;
}

export type ActivityHandler<N extends ActivityName> = (input: ActivityInput<N>) => Promise<ActivityOutput<N>>;

export type ActivityFactory<N extends ActivityName> = (deps: ActivityDeps) => ActivityHandler<N>;

/** The first line of an error message, for results and logs (adapters already redact secrets). */
export function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
