/**
 * The structured logger (docs/telemetry.md): JSON lines with level, message and attributes, read from the
 * app's `message key=value` lines, filtered by level, secrets redacted; the orchestrators' replay guard.
 */
import type { OrchestrationContext } from 'durable-functions';
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { log as orchestratorLog } from '../../../src/orchestrators/call';
import { attemptSpanContext } from '../../../src/telemetry/attempt-trace';
import { parseLogLine } from '../../../src/telemetry/log-line';
import { createLogger, type LogLevel } from '../../../src/telemetry/logger';
import { createTelemetry } from '../../../src/telemetry/telemetry';

const linesAt = (level: LogLevel) => {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level, write: (l) => lines.push(l), now: () => 0 }) };
};
const parsed = (lines: readonly string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

describe('parseLogLine', () => {
  it('splits a message from its fields and names the step fields flotilla.*', () => {
    expect(
      parseLogLine(
        'teardown deferred to the sweeper runId=r-abcd image=scene-1 step=work attempt=2 reason="ACI throttled the delete"',
      ),
    ).toEqual({
      message: 'teardown deferred to the sweeper',
      attributes: {
        'flotilla.run_id': 'r-abcd',
        'flotilla.image': 'scene-1',
        'flotilla.step': 'work',
        'flotilla.attempt': 2,
        reason: 'ACI throttled the delete',
      },
    });
  });

  it('keeps an unquoted value with spaces whole up to the next field, and a line without fields as is', () => {
    expect(parseLogLine('sweeper could not list backend=aci error=the request failed: 503')).toEqual({
      message: 'sweeper could not list',
      attributes: { backend: 'aci', error: 'the request failed: 503' },
    });
    expect(parseLogLine('plain words only')).toEqual({ message: 'plain words only', attributes: {} });
  });
});

describe('createLogger', () => {
  it('writes one JSON line per record with time, level, message and attributes', () => {
    const { lines, logger } = linesAt('info');
    logger.line('step kept for debugging runId=r-abcd image=scene-1 step=work until=2026-01-01T00:00:00Z');
    expect(parsed(lines)).toEqual([
      {
        time: '1970-01-01T00:00:00.000Z',
        level: 'info',
        message: 'step kept for debugging',
        attributes: {
          'flotilla.run_id': 'r-abcd',
          'flotilla.image': 'scene-1',
          'flotilla.step': 'work',
          until: '2026-01-01T00:00:00Z',
        },
      },
    ]);
  });

  it.each<[LogLevel, LogLevel[]]>([
    ['debug', ['debug', 'info', 'warn', 'error']],
    ['info', ['info', 'warn', 'error']],
    ['warn', ['warn', 'error']],
    ['error', ['error']],
  ])('at level %s writes %j', (level, written) => {
    const { lines, logger } = linesAt(level);
    for (const each of ['debug', 'info', 'warn', 'error'] as const) logger.log(each, `a ${each} record`);
    expect(parsed(lines).map((l) => l.level)).toEqual(written);
  });

  it('never writes or exports a SAS signature, a bearer token or an account key', async () => {
    const logs = new InMemoryLogRecordExporter();
    const lines: string[] = [];
    const telemetry = createTelemetry({
      level: 'debug',
      write: (l) => lines.push(l),
      exporters: { spans: new InMemorySpanExporter(), logs },
    });
    telemetry.logger.line(
      'upload failed url=https://acct.blob.core.windows.net/c/b?sv=2024&sig=SIGNATURE1 auth="Bearer TOKEN2"',
    );
    telemetry.logger.log('error', 'storage said AccountKey=KEY3;', { url: 'https://x/y?sig=SIGNATURE4' });
    await telemetry.flush();
    const exported = JSON.stringify(logs.getFinishedLogRecords().map((r) => [r.body, r.attributes]));
    for (const text of [lines.join('\n'), exported]) {
      expect(text).toContain('sig=***');
      for (const secret of ['SIGNATURE1', 'TOKEN2', 'KEY3', 'SIGNATURE4']) expect(text).not.toContain(secret);
    }
    await telemetry.shutdown();
  });

  it("puts a record that names a step attempt in that attempt's trace", () => {
    const { lines, logger } = linesAt('info');
    const ref = { runId: 'r-abcd', imageKey: 'scene-1', step: 'work', attempt: 3 };
    logger.log('info', 'step attempt ended', {
      'flotilla.run_id': ref.runId,
      'flotilla.image': ref.imageKey,
      'flotilla.step': ref.step,
      'flotilla.attempt': ref.attempt,
    });
    expect(parsed(lines)[0]?.traceId).toBe(attemptSpanContext(ref).traceId);
    expect(attemptSpanContext(ref).traceId).not.toBe(attemptSpanContext({ ...ref, attempt: 4 }).traceId);
  });
});

describe("the orchestrators' log", () => {
  const contextOf = (isReplaying: boolean, out: string[]) =>
    ({ df: { isReplaying }, log: (line: string) => out.push(line) }) as unknown as OrchestrationContext;

  it('writes a JSON record on the first execution and nothing on replay', () => {
    const out: string[] = [];
    orchestratorLog(contextOf(true, out), 'run started', { runId: 'r-abcd' });
    expect(out).toEqual([]);
    orchestratorLog(contextOf(false, out), 'run started', { runId: 'r-abcd' }, 'warn');
    expect(parsed(out)).toEqual([{ level: 'warn', message: 'run started', attributes: { runId: 'r-abcd' } }]);
  });
});
