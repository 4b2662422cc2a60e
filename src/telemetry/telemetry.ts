/**
 * The app's telemetry, built once by the composition root: the structured logger always, and an
 * OpenTelemetry tracer and logger only when exporters are given (APPLICATIONINSIGHTS_CONNECTION_STRING set,
 * src/adapters/monitor-exporters.ts). Without exporters no provider exists and nothing leaves the process.
 * Nothing is registered globally: the tracer is handed to the activity wrapper, the logger to `log`.
 */
import type { Tracer } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, type LogRecordExporter, LoggerProvider } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { redact } from '../adapters/redact';
import { createLogger, type Logger, type LogLevel } from './logger';

export interface TelemetryExporters {
  readonly spans: SpanExporter;
  readonly logs: LogRecordExporter;
}

export interface TelemetryOptions {
  readonly level: LogLevel;
  readonly write: (line: string) => void;
  readonly exporters?: TelemetryExporters;
  readonly serviceName?: string;
  readonly serviceVersion?: string;
}

export interface Telemetry {
  readonly logger: Logger;
  /** Present only when traces are exported. */
  readonly tracer?: Tracer;
  /** Exports what is buffered (the processors batch). Never rejects: a failed export is a warning line. */
  flush(): Promise<void>;
  /** Exports what is buffered and stops. Never rejects. */
  shutdown(): Promise<void>;
}

export const TELEMETRY_SCOPE = 'flotilla';

export function createTelemetry(options: TelemetryOptions): Telemetry {
  if (!options.exporters) {
    return {
      logger: createLogger({ level: options.level, write: options.write }),
      flush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    };
  }
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: options.serviceName ?? 'flotilla',
    ...(options.serviceVersion ? { [ATTR_SERVICE_VERSION]: options.serviceVersion } : {}),
  });
  const tracing = new BasicTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(options.exporters.spans)],
  });
  const logs = new LoggerProvider({
    resource,
    processors: [new BatchLogRecordProcessor(options.exporters.logs)],
  });
  const logger = createLogger({
    level: options.level,
    write: options.write,
    otel: logs.getLogger(TELEMETRY_SCOPE),
  });
  // Telemetry that cannot be sent never fails the app: the failure is a warning line (not exported again).
  const settle = async (what: string, calls: Promise<void>[]) => {
    const failed = (await Promise.allSettled(calls)).filter((r) => r.status === 'rejected');
    if (failed.length > 0) {
      const reason: unknown = failed[0]?.reason;
      const first = Array.isArray(reason) ? (reason[0] as unknown) : reason;
      options.write(
        JSON.stringify({
          time: new Date().toISOString(),
          level: 'warn',
          message: `telemetry ${what} failed`,
          attributes: {
            error: redact(first instanceof Error ? first.message : String(first)).split('\n')[0],
          },
        }),
      );
    }
  };
  return {
    logger,
    tracer: tracing.getTracer(TELEMETRY_SCOPE),
    flush: () => settle('export', [tracing.forceFlush(), logs.forceFlush()]),
    shutdown: () => settle('shutdown', [tracing.shutdown(), logs.shutdown()]),
  };
}
