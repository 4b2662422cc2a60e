/**
 * What the code running now belongs to: the attributes of its activity (the step attempt, the run) and its
 * span. The activity wrapper (src/telemetry/activity-span.ts) sets it for the whole invocation, so a
 * `deps.log(...)` deep inside an adapter call is stamped with the step without being handed it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context } from '@opentelemetry/api';
import type { Attributes } from './attributes';

export interface TelemetryScope {
  readonly attributes: Attributes;
  /** The OpenTelemetry context holding the invocation's span (only when traces are exported). */
  readonly context?: Context;
}

const storage = new AsyncLocalStorage<TelemetryScope>();

export function withScope<T>(scope: TelemetryScope, run: () => T): T {
  return storage.run(scope, run);
}

export function currentScope(): TelemetryScope | undefined {
  return storage.getStore();
}
