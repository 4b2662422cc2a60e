/**
 * One trace per step attempt (docs/telemetry.md, "Trace shape"). The attempt's activities run in separate
 * invocations, maybe on separate instances, so none of them can hand a span context to the next: each one
 * derives the same trace id and parent span id from (runId, image, step, attempt) and makes its span a
 * child of that context. The parent is a virtual root that no process emits.
 */
import { createHash } from 'node:crypto';
import type { SpanContext } from '@opentelemetry/api';
import { TraceFlags } from '@opentelemetry/api';
import type { StepRef } from '../compute/port';

export function attemptSpanContext(ref: StepRef): SpanContext {
  const hex = createHash('sha256')
    .update(['flotilla-attempt', ref.runId, ref.imageKey, ref.step, String(ref.attempt)].join('\n'))
    .digest('hex');
  return {
    // An all-zero id is invalid; a SHA-256 prefix is never that in practice, but be exact about it.
    traceId: nonZero(hex.slice(0, 32)),
    spanId: nonZero(hex.slice(32, 48)),
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  };
}

const nonZero = (id: string): string => (/^0+$/.test(id) ? `${id.slice(0, -1)}1` : id);
