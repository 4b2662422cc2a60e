/** The activity wrapper (src/telemetry/activity-span.ts): which step an input names, and failed invocations. */
import { SpanStatusCode } from '@opentelemetry/api';
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { instrumentActivity, stepOfInput } from '../../../src/telemetry/activity-span';
import { attemptSpanContext } from '../../../src/telemetry/attempt-trace';
import { createTelemetry } from '../../../src/telemetry/telemetry';

const ref = { runId: 'r-abcd', imageKey: 'scene-1', step: 'work', attempt: 2 };

it('finds the step attempt in a ref, in an admission lease id, or nowhere', () => {
  expect(stepOfInput({ kind: 'aci', ref })).toEqual(ref);
  expect(stepOfInput({ kind: 'aci', leaseId: 'r-abcd:scene-1:work#2' })).toEqual(ref);
  expect(stepOfInput({ runId: 'r-abcd', indexes: [0] })).toBeUndefined();
  expect(stepOfInput(null)).toBeUndefined();
});

it('marks a failed invocation on its span, redacted, and rethrows the error unchanged', async () => {
  const spans = new InMemorySpanExporter();
  const telemetry = createTelemetry({
    level: 'info',
    write: () => undefined,
    exporters: { spans, logs: new InMemoryLogRecordExporter() },
  });
  const error = new Error('upload refused https://a.blob.core.windows.net/c/b?sig=SECRET1');
  const handler = instrumentActivity(
    'startStep',
    () => Promise.reject(error),
    () => telemetry.tracer,
  );
  await expect(handler({ ref })).rejects.toBe(error);
  await telemetry.flush();
  const [span] = spans.getFinishedSpans();
  expect(span?.status.code).toBe(SpanStatusCode.ERROR);
  expect(span?.spanContext().traceId).toBe(attemptSpanContext(ref).traceId);
  expect(JSON.stringify([span?.status, span?.events])).toContain('sig=***');
  expect(JSON.stringify([span?.status, span?.events])).not.toContain('SECRET1');
  await telemetry.shutdown();
});
