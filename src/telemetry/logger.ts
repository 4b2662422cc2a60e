/**
 * The structured logger behind every `log` of the app (ActivityDeps.log, the orchestrators' `log`): one JSON
 * line per record, `{"time","level","message","attributes"}`, filtered by FLOTILLA_LOG_LEVEL, secrets
 * redacted, and the same record sent to OpenTelemetry when logs are exported (docs/telemetry.md).
 */
import { type Context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { type Logger as OtelLogger, SeverityNumber } from '@opentelemetry/api-logs';
import { redact } from '../adapters/redact';
import { type Attributes, type AttributeValue, stepOfAttributes } from './attributes';
import { attemptSpanContext } from './attempt-trace';
import { parseLogLine } from './log-line';
import { currentScope } from './scope';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const SEVERITY: Record<LogLevel, SeverityNumber> = {
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
};

export interface Logger {
  log(level: LogLevel, message: string, attributes?: Attributes): void;
  /** A `message key=value ...` line, the shape ActivityDeps.log takes. */
  line(text: string, level?: LogLevel): void;
  enabled(level: LogLevel): boolean;
}

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Where the JSON lines go (console.log in the app; the Functions host collects them). */
  readonly write: (line: string) => void;
  /** Set only when logs are exported (APPLICATIONINSIGHTS_CONNECTION_STRING). */
  readonly otel?: OtelLogger;
  readonly now?: () => number;
}

function clean(attributes: Attributes): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(attributes)) {
    out[key] = typeof value === 'string' ? redact(value) : value;
  }
  return out;
}

/** The record's trace: the running span's, else the step attempt's trace its attributes name. */
function contextOf(scopeContext: Context | undefined, attributes: Attributes): Context | undefined {
  if (scopeContext) return scopeContext;
  const ref = stepOfAttributes(attributes);
  return ref ? trace.setSpanContext(ROOT_CONTEXT, attemptSpanContext(ref)) : undefined;
}

export function createLogger(options: LoggerOptions): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level);
  const now = options.now ?? (() => Date.now());
  const enabled = (level: LogLevel) => LOG_LEVELS.indexOf(level) >= threshold;
  const log = (level: LogLevel, message: string, attributes: Attributes = {}) => {
    if (!enabled(level)) return;
    const scope = currentScope();
    const merged = clean({ ...scope?.attributes, ...attributes });
    const text = redact(message);
    const context = contextOf(scope?.context, merged);
    const span = context ? trace.getSpanContext(context) : undefined;
    const time = now();
    options.write(
      JSON.stringify({
        time: new Date(time).toISOString(),
        level,
        message: text,
        attributes: merged,
        ...(span ? { traceId: span.traceId, spanId: span.spanId } : {}),
      }),
    );
    options.otel?.emit({
      timestamp: time,
      severityNumber: SEVERITY[level],
      severityText: level.toUpperCase(),
      body: text,
      attributes: merged,
      ...(context ? { context } : {}),
    });
  };
  return {
    log,
    line: (text, level = 'info') => {
      if (!enabled(level)) return;
      const parsed = parseLogLine(redact(text));
      log(level, parsed.message, parsed.attributes);
    },
    enabled,
  };
}
