/**
 * The Application Insights exporters (Azure Monitor's OpenTelemetry exporter, not the full distro: no
 * auto-instrumentation, a small package). Built only when APPLICATIONINSIGHTS_CONNECTION_STRING is set
 * (src/composition.ts), and the exporter package itself is loaded on the first export, so an app without
 * the setting never loads it, and a cold start with it does not wait for it. docs/telemetry.md.
 */
import type { TokenCredential } from '@azure/core-auth';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { TelemetryExporters } from '../telemetry/telemetry';

export interface MonitorExporterOptions {
  readonly connectionString: string;
  /** Entra ID authentication (APPLICATIONINSIGHTS_AUTHENTICATION_STRING); absent: the connection string's key. */
  readonly credential?: TokenCredential;
}

interface Exporter<T> {
  export(items: T[], done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

/** An exporter made on first use; a failure to load it fails that export (the processor reports it). */
function lazily<T>(make: () => Promise<Exporter<T>>): Required<Exporter<T>> {
  let made: Promise<Exporter<T>> | undefined;
  return {
    export: (items, done) => {
      made ??= make();
      made.then(
        (exporter) => exporter.export(items, done),
        (error: unknown) =>
          done({
            code: ExportResultCode.FAILED,
            error: error instanceof Error ? error : new Error(String(error)),
          }),
      );
    },
    shutdown: async () => {
      if (made) await (await made).shutdown();
    },
    forceFlush: async () => {
      if (made) await (await made).forceFlush?.();
    },
  };
}

export function azureMonitorExporters(options: MonitorExporterOptions): TelemetryExporters {
  const settings = {
    connectionString: options.connectionString,
    ...(options.credential ? { credential: options.credential } : {}),
  };
  const sdk = () => import('@azure/monitor-opentelemetry-exporter');
  return {
    spans: lazily(async () => new (await sdk()).AzureMonitorTraceExporter(settings)),
    logs: lazily(async () => new (await sdk()).AzureMonitorLogExporter(settings)),
  };
}

/** The client id of `ClientId=<id>;Authorization=AAD`, when one is named. */
export function authenticationClientId(authentication: string): string | undefined {
  for (const part of authentication.split(';')) {
    const [key, value] = part.split('=').map((s) => s.trim());
    if (key?.toLowerCase() === 'clientid' && value) return value;
  }
  return undefined;
}
