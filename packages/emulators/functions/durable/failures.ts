/**
 * Failure texts and shapes (docs/durable-engine.md, 'Orchestrator output' and 'Activity input, output and
 * failures'): what the extension would report, never a secret.
 */
import type { OrchestratorOutcome } from './actions';
import type { FailureDetailsWire } from './history';
import type { Completion } from './instance';

type Failed = Extract<Completion, { status: 'Failed' }>;

export function exceptionDetails(message: string, stack?: string): string {
  return JSON.stringify({
    $type: 'System.Exception, System.Private.CoreLib',
    ClassName: 'System.Exception',
    Message: message,
    StackTraceString: stack ?? null,
  });
}

export function toFailureDetails(raw: unknown): FailureDetailsWire | null {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  const pick = (a: string, b: string) => r[a] ?? r[b];
  const type = pick('ErrorType', 'errorType');
  const message = pick('ErrorMessage', 'errorMessage');
  if (typeof type !== 'string' || typeof message !== 'string') return null;
  const stack = pick('StackTrace', 'stackTrace');
  return {
    ErrorType: type,
    ErrorMessage: message,
    StackTrace: typeof stack === 'string' ? stack : null,
    IsNonRetriable: pick('IsNonRetriable', 'isNonRetriable') === true,
    Properties: pick('Properties', 'properties') ?? null,
    InnerFailure: null,
  };
}

export function failureFromOutcome(name: string, outcome: OrchestratorOutcome & { kind: 'failed' }): Failed {
  const fd = toFailureDetails(outcome.state?.failureDetails);
  return {
    status: 'Failed',
    reason: `Orchestrator function '${name}' failed: ${outcome.message}`,
    details: `Message: ${outcome.message}, StackTrace: ${outcome.stack ?? ''}`,
    failureDetails: fd,
  };
}

export function activityFailure(
  name: string,
  error: Error,
): { reason: string; details: string; fd: FailureDetailsWire | null } {
  let message = error.message ?? String(error);
  let fd: FailureDetailsWire | null = null;
  try {
    fd = toFailureDetails(JSON.parse(message));
    if (fd) message = fd.ErrorMessage;
  } catch {
    fd = null;
  }
  return {
    reason: `Activity function '${name}' failed: ${message}`,
    details: exceptionDetails(message, error.stack),
    fd,
  };
}

export function unsupportedAction(name: string, action: string): Failed {
  const what = /Entit/.test(action)
    ? 'Durable entities are not supported by the embedded Durable engine'
    : `The action ${action} is not supported by the embedded Durable engine`;
  const reason = `Orchestrator function '${name}' failed: ${what} (the orchestrator used ${action}).`;
  return { status: 'Failed', reason, details: exceptionDetails(what), failureDetails: null };
}

export function nonDeterministic(name: string, index: number, before: string, now: string): Failed {
  const what = `Non-Deterministic workflow detected: action #${index} was ${before} in an earlier replay and is ${now} now.`;
  return {
    status: 'Failed',
    reason: `Orchestrator function '${name}' failed: ${what}`,
    details: exceptionDetails(what),
    failureDetails: null,
  };
}

export function terminatedFailure(
  name: string,
  instanceId: string,
  reason: string,
): { reason: string; details: string } {
  const text = `Sub-orchestration '${name}' (instance '${instanceId}') was terminated: ${reason}`;
  return { reason: text, details: exceptionDetails(text) };
}
