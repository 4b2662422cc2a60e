/**
 * Calls orchestrators and activities through the host's `FunctionInvoker` (the real programming model),
 * with the binding data the extension would send (docs/durable-engine.md,
 * 'Orchestration binding' and 'Activity input, output and failures').
 */
import type { FunctionInvoker, RegisteredFunction, RpcTypedData } from '../contracts';
import { isDurableClientBinding } from '../bindings';
import { parseOrchestratorFailure, parseOrchestratorState, type OrchestratorOutcome } from './actions';
import { EventType, historyEvent, type HistoryEvent } from './history';
import type { Instance } from './instance';
import { activityFailure } from './failures';
import { toTimeSpan, type TimerSettings } from './timing';

export function triggerBinding(fn: RegisteredFunction | undefined, type: string): string | undefined {
  if (!fn) return undefined;
  for (const [key, binding] of Object.entries(fn.bindings)) if (binding.type === type) return key;
  return undefined;
}

export function isOrchestrator(invoker: FunctionInvoker, name: string): boolean {
  return triggerBinding(invoker.find(name), 'orchestrationTrigger') !== undefined;
}

export function namesOf(invoker: FunctionInvoker, type: string): string[] {
  return invoker
    .functions()
    .filter((f) => triggerBinding(f, type) !== undefined)
    .map((f) => f.name);
}

export function orchestrationBindingJson(inst: Instance, timers: TimerSettings): string {
  return JSON.stringify({
    history: inst.history,
    input: inst.input === null ? null : (JSON.parse(inst.input) as unknown),
    instanceId: inst.instanceId,
    isReplaying: inst.played > 0,
    parentInstanceId: inst.parent?.instanceId ?? null,
    upperSchemaVersion: 1,
    upperSchemaVersionNew: 3,
    longRunningTimerIntervalDuration: toTimeSpan(timers.longRunningTimerIntervalMs),
    maximumShortTimerDuration: toTimeSpan(timers.maximumShortTimerMs),
    defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
  });
}

export async function invokeOrchestrator(
  invoker: FunctionInvoker,
  inst: Instance,
  timers: TimerSettings,
): Promise<OrchestratorOutcome> {
  const key = triggerBinding(invoker.find(inst.name), 'orchestrationTrigger');
  if (!key) {
    return {
      kind: 'failed',
      state: undefined,
      message: `The function '${inst.name}' is not a registered orchestrator.`,
    };
  }
  try {
    const data = orchestrationBindingJson(inst, timers);
    const result = await invoker.invoke(inst.name, {
      inputData: [{ name: key, data: { string: data } }],
      triggerMetadata: {},
    });
    if (!result.ok) return parseOrchestratorFailure(result.error);
    const rv = result.returnValue;
    const json = rv?.json ?? rv?.string;
    if (typeof json !== 'string') throw new Error('the orchestrator returned no state');
    return { kind: 'state', state: parseOrchestratorState(json) };
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    return { kind: 'failed', state: undefined, message: err.message, stack: err.stack };
  }
}

/**
 * Activity input (docs/durable-engine.md, 'Activity input, output and failures'): strings as they are, other
 * values as JSON text, nothing for null/undefined.
 */
function activityData(input: unknown): RpcTypedData | undefined {
  if (input === null || input === undefined) return undefined;
  return { string: typeof input === 'string' ? input : JSON.stringify(input) };
}

/**
 * `returnValue` to `TaskCompleted.Result` JSON text (docs/durable-engine.md, 'Activity input, output and
 * failures').
 */
export function resultText(rv: RpcTypedData | undefined): string {
  if (!rv) return 'null';
  if (typeof rv.json === 'string') return rv.json;
  if (typeof rv.string === 'string') return JSON.stringify(rv.string);
  if (typeof rv.int === 'number' || typeof rv.int === 'bigint') return String(rv.int);
  if (typeof rv.double === 'number') return String(rv.double);
  if (rv.bytes) return JSON.stringify(Buffer.from(rv.bytes).toString('base64'));
  return 'null';
}

/** Runs one activity invocation and returns the completion event for task `id`. */
export async function runActivity(
  invoker: FunctionInvoker,
  instanceId: string,
  id: number,
  name: string,
  input: unknown,
  now: () => number,
  clientData?: () => string,
): Promise<HistoryEvent> {
  const fn = invoker.find(name);
  const key = triggerBinding(fn, 'activityTrigger');
  // Activities may take a durableClient input too (e.g. to raise events to other instances).
  const clients = Object.entries(fn?.bindings ?? {})
    .filter(([, b]) => isDurableClientBinding(b))
    .map(([bindingName]) => ({ name: bindingName, data: { string: clientData?.() ?? '' } }));
  let error: Error;
  if (key) {
    const data = activityData(input);
    try {
      const result = await invoker.invoke(name, {
        inputData: [data ? { name: key, data } : { name: key }, ...clients],
        triggerMetadata: { instanceId: { string: instanceId } },
      });
      if (result.ok) {
        return historyEvent(EventType.TaskCompleted, now(), {
          TaskScheduledId: id,
          Result: resultText(result.returnValue),
        });
      }
      error = result.error;
    } catch (e) {
      error = e instanceof Error ? e : new Error(String(e));
    }
  } else {
    const known = namesOf(invoker, 'activityTrigger').join(', ') || 'none';
    error = new Error(
      `The function '${name}' doesn't exist or is not an activity function (activities: ${known}).`,
    );
  }
  const f = activityFailure(name, error);
  return historyEvent(EventType.TaskFailed, now(), {
    TaskScheduledId: id,
    Reason: f.reason,
    Details: f.details,
    FailureDetails: f.fd,
  });
}
