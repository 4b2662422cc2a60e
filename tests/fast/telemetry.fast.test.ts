/**
 * Telemetry through the real activity code path (docs/telemetry.md): the app's orchestrators and activities
 * on the fast tier, with the OpenTelemetry SDK's in-memory exporters in place of Application Insights. Every
 * span and log record of a step carries its four `flotilla.*` attributes, and each attempt is one trace.
 */
import { InMemoryLogRecordExporter, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { StepRef } from '../../src/compute/port';
import { attemptSpanContext } from '../../src/telemetry/attempt-trace';
import { createTelemetry, type Telemetry } from '../../src/telemetry/telemetry';
import { aPipeline, aRunRequest, aStep, exits, scriptByStep } from '../support/fakes/builders';
import { FastApp } from '../support/fast/fast-app';

let app: FastApp | undefined;
let telemetry: Telemetry | undefined;
afterEach(async () => {
  await app?.stop();
  await telemetry?.shutdown();
  app = undefined;
});

const stepAttributes = (ref: StepRef) => ({
  'flotilla.run_id': ref.runId,
  'flotilla.image': ref.imageKey,
  'flotilla.step': ref.step,
  'flotilla.attempt': ref.attempt,
});

it('puts each attempt of a step in its own trace, with the step attributes on every span and log record', async () => {
  const spans = new InMemorySpanExporter();
  const logs = new InMemoryLogRecordExporter();
  const lines: string[] = [];
  telemetry = createTelemetry({ level: 'info', write: (l) => lines.push(l), exporters: { spans, logs } });
  // Attempt 1 fails and is kept for debugging (finishStep logs a line), attempt 2 succeeds and is released.
  app = await FastApp.start({ script: scriptByStep({ work: [exits(1), exits(0)] }), telemetry });
  const pipeline = aPipeline({ steps: [aStep('work', { retries: 1 })], teardown: { keepOnFailure: '10m' } });
  const runId = await app.startRun(aRunRequest(pipeline));
  const view = await app.runToEnd(runId);
  expect(view.status).toBe('succeeded');
  await telemetry.flush();

  const imageKey = view.images[0]?.imageKey ?? '';
  const refs = [1, 2].map((attempt): StepRef => ({ runId, imageKey, step: 'work', attempt }));
  const finished = spans.getFinishedSpans();
  const records = logs.getFinishedLogRecords();
  const traceOf = (item: ReadableSpan | ReadableLogRecord) =>
    typeof item.spanContext === 'function' ? item.spanContext().traceId : item.spanContext?.traceId;
  const inTrace = <T extends ReadableSpan | ReadableLogRecord>(items: readonly T[], ref: StepRef) =>
    items.filter((item) => traceOf(item) === attemptSpanContext(ref).traceId);
  const traces = refs.map((ref) => inTrace(finished, ref));

  for (const [i, ref] of refs.entries()) {
    const attemptSpans = traces[i] ?? [];
    expect(attemptSpans.length).toBeGreaterThanOrEqual(2);
    for (const span of attemptSpans) {
      expect(span.attributes).toMatchObject({ ...stepAttributes(ref), 'flotilla.activity': span.name });
      // Children of the attempt's deterministic root, whichever invocation ran them.
      expect(span.parentSpanContext?.spanId).toBe(attemptSpanContext(ref).spanId);
    }
  }
  // From admission and start (startStep) to teardown (finishStep), each in its attempt's trace.
  const names = traces.map((t) => t.map((s) => s.name));
  expect(names[0]).toEqual(expect.arrayContaining(['startStep', 'finishStep']));
  expect(names[1]).toEqual(expect.arrayContaining(['startStep', 'finishStep']));
  // No span of the step lies outside those two traces.
  const stepSpans = finished.filter((s) => s.attributes['flotilla.step'] === 'work');
  expect(stepSpans.length).toBe((traces[0]?.length ?? 0) + (traces[1]?.length ?? 0));
  expect(finished.find((s) => s.name === 'writeManifest')?.attributes).toMatchObject({
    'flotilla.run_id': runId,
  });

  // An activity's log line: the step attributes, its own fields, and the finishStep span it was written in.
  const kept = records.find((r) => r.body === 'step kept for debugging');
  const keepSpan = traces[0]?.find((s) => s.name === 'finishStep');
  expect(records.filter((r) => r.body === 'step kept for debugging')).toHaveLength(1);
  expect(kept?.attributes).toMatchObject({
    ...stepAttributes(refs[0] as StepRef),
    until: expect.any(String),
  });
  expect(kept?.spanContext?.spanId).toBe(keepSpan?.spanContext().spanId);
  // An orchestrator's log record joins the trace of the attempt it names.
  for (const ref of refs) {
    const ended = inTrace(records, ref).filter((r) => r.body === 'step attempt ended');
    expect(ended).toHaveLength(1);
    expect(ended[0]?.attributes).toMatchObject(stepAttributes(ref));
  }

  // The same records as JSON lines on the console.
  const json = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(json.find((l) => l.message === 'step kept for debugging')).toMatchObject({
    level: 'info',
    attributes: stepAttributes(refs[0] as StepRef),
    traceId: attemptSpanContext(refs[0] as StepRef).traceId,
  });
});
