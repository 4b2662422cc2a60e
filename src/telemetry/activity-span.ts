/**
 * Wraps an activity handler: the invocation runs in a telemetry scope carrying its step attempt (or run)
 * attributes, and, when traces are exported, inside a span that is a child of the attempt's deterministic
 * trace (src/telemetry/attempt-trace.ts). Applied once, in createActivities, to every activity: the activity
 * bodies know nothing of it, so activities can be merged or split freely (docs/telemetry.md).
 */
import { ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { StepRef } from '../compute/port';
import { redact } from '../adapters/redact';
import { ATTR, type Attributes, stepAttributes } from './attributes';
import { attemptSpanContext } from './attempt-trace';
import { withScope } from './scope';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

function isStepRef(value: unknown): value is StepRef {
  return (
    isObject(value) &&
    typeof value.runId === 'string' &&
    typeof value.imageKey === 'string' &&
    typeof value.step === 'string' &&
    typeof value.attempt === 'number'
  );
}

/** Admission lease ids are `<runId>:<imageKey>:<step>#<attempt>` (src/orchestrators/step-attempt.ts). */
const LEASE_ID = /^([^:]+):([^:]+):(.+)#(\d+)$/;

/** The step attempt an activity input is about: its `ref`, or the attempt its admission lease names. */
export function stepOfInput(input: unknown): StepRef | undefined {
  if (!isObject(input)) return undefined;
  if (isStepRef(input.ref)) return input.ref;
  if (isStepRef(input)) return input;
  const lease = typeof input.leaseId === 'string' ? LEASE_ID.exec(input.leaseId) : null;
  if (!lease) return undefined;
  const [, runId = '', imageKey = '', step = '', attempt = '0'] = lease;
  return { runId, imageKey, step, attempt: Number(attempt) };
}

function runOfInput(input: unknown): string | undefined {
  if (!isObject(input)) return undefined;
  if (typeof input.runId === 'string') return input.runId;
  return isObject(input.plan) && typeof input.plan.runId === 'string' ? input.plan.runId : undefined;
}

export function activityAttributes(name: string, input: unknown): Attributes {
  const ref = stepOfInput(input);
  const runId = runOfInput(input);
  return {
    [ATTR.activity]: name,
    ...(runId ? { [ATTR.runId]: runId } : {}),
    ...(ref ? stepAttributes(ref) : {}),
  };
}

/** A short outcome of the result (`started`, `released`, `succeeded`, `granted` ...), for the span. */
function outcomeOf(output: unknown): string | undefined {
  if (!isObject(output)) return undefined;
  if (typeof output.outcome === 'string') return output.outcome;
  if (typeof output.state === 'string') return output.state;
  if (typeof output.granted === 'boolean') return output.granted ? 'granted' : 'waiting';
  return undefined;
}

function fail(span: Span, error: unknown): void {
  const message = redact(error instanceof Error ? error.message : String(error));
  span.recordException({ name: error instanceof Error ? error.name : 'Error', message });
  span.setStatus({ code: SpanStatusCode.ERROR, message: message.split('\n')[0] ?? message });
}

export function instrumentActivity<I, O>(
  name: string,
  handler: (input: I) => Promise<O>,
  /** Read per invocation: the deps may be swapped after the activities were built (tests). */
  tracerOf: () => Tracer | undefined,
): (input: I) => Promise<O> {
  return (input) => {
    const attributes = activityAttributes(name, input);
    const tracer = tracerOf();
    if (!tracer) return withScope({ attributes }, () => handler(input));
    const ref = stepOfInput(input);
    const parent = ref ? trace.setSpanContext(ROOT_CONTEXT, attemptSpanContext(ref)) : ROOT_CONTEXT;
    const span = tracer.startSpan(name, { kind: SpanKind.CONSUMER, attributes }, parent);
    const context = trace.setSpan(parent, span);
    return withScope({ attributes, context }, async () => {
      try {
        const output = await handler(input);
        const outcome = outcomeOf(output);
        if (outcome) span.setAttribute(ATTR.outcome, outcome);
        return output;
      } catch (error) {
        fail(span, error);
        throw error;
      } finally {
        span.end();
      }
    });
  };
}
