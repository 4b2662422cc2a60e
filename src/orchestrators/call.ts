/**
 * Typed calls from orchestrators: an activity or a sub-orchestration is named and fed through the contract
 * maps, so a renamed function or a changed input does not compile. Use with `yield*`:
 *   const answer = yield* callActivity(context, 'acquireAdmission', input);
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import type { ActivityInput, ActivityName, ActivityOutput } from '../activities/contracts';
import type { OrchestratorContracts, OrchestratorName } from './contracts';

/** Transient failures (throttling, 5xx, timeouts) are retried by the durable retry policy. */
export const TRANSIENT_RETRY = new df.RetryOptions(2_000, 5);
TRANSIENT_RETRY.backoffCoefficient = 2;
TRANSIENT_RETRY.maxRetryIntervalInMilliseconds = 30_000;

export function activityTask<N extends ActivityName>(
  context: OrchestrationContext,
  name: N,
  input: ActivityInput<N>,
  retry: df.RetryOptions | undefined = TRANSIENT_RETRY,
): Task {
  return retry ? context.df.callActivityWithRetry(name, retry, input) : context.df.callActivity(name, input);
}

export function* callActivity<N extends ActivityName>(
  context: OrchestrationContext,
  name: N,
  input: ActivityInput<N>,
  retry: df.RetryOptions | undefined = TRANSIENT_RETRY,
): Generator<Task, ActivityOutput<N>, unknown> {
  const result: unknown = yield activityTask(context, name, input, retry);
  return result as ActivityOutput<N>;
}

export function subOrchestrationTask<N extends OrchestratorName>(
  context: OrchestrationContext,
  name: N,
  input: OrchestratorContracts[N]['input'],
  instanceId: string,
): Task {
  return context.df.callSubOrchestrator(name, input, instanceId);
}

export function* callSubOrchestration<N extends OrchestratorName>(
  context: OrchestrationContext,
  name: N,
  input: OrchestratorContracts[N]['input'],
  instanceId: string,
): Generator<Task, OrchestratorContracts[N]['output'], unknown> {
  const result: unknown = yield subOrchestrationTask(context, name, input, instanceId);
  return result as OrchestratorContracts[N]['output'];
}

/** Results of a `Task.all` over sub-orchestrations of one kind. */
export function* callAll<N extends OrchestratorName>(
  context: OrchestrationContext,
  tasks: Task[],
  _name: N,
): Generator<Task, OrchestratorContracts[N]['output'][], unknown> {
  const results: unknown = yield context.df.Task.all(tasks);
  return results as OrchestratorContracts[N]['output'][];
}

/** `context.df.currentUtcDateTime` in epoch ms. */
export function nowMs(context: OrchestrationContext): number {
  return context.df.currentUtcDateTime.getTime();
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, string | number>>;
export type OrchestratorLogSink = (
  context: OrchestrationContext,
  level: LogLevel,
  message: string,
  fields: LogFields,
) => void;

/** A JSON context.log line: where orchestrator logs go until the app installs its logger. */
export const plainLogSink: OrchestratorLogSink = (context, level, message, fields) =>
  context.log(JSON.stringify({ level, message, attributes: fields }));

/** The app installs the structured logger here (src/functions/durable.ts). */
let sink: OrchestratorLogSink = plainLogSink;

export function setOrchestratorLogSink(next: OrchestratorLogSink): void {
  sink = next;
}

/**
 * Structured log record (docs/telemetry.md), written only on the first (non-replayed) execution, so a replay
 * never logs twice. The fields name the run, image, step and attempt it is about.
 */
export function log(
  context: OrchestrationContext,
  message: string,
  fields: LogFields,
  level: LogLevel = 'info',
): void {
  if (context.df.isReplaying) return;
  sink(context, level, message, fields);
}
