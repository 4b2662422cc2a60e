/**
 * The Application Insights exporters (Azure Monitor's OpenTelemetry exporter, not the full distro: no
 * auto-instrumentation, a small package). Built only when APPLICATIONINSIGHTS_CONNECTION_STRING is set
 * (src/composition.ts); nothing here runs or connects otherwise. docs/telemetry.md.
 */
import type { TokenCredential } from '@azure/core-auth';
import { AzureMonitorLogExporter, AzureMonitorTraceExporter } from '@azure/monitor-opentelemetry-exporter';
import type { TelemetryExporters } from '../telemetry/telemetry';

export interface MonitorExporterOptions {
  readonly connectionString: string;
  /** Entra ID authentication (APPLICATIONINSIGHTS_AUTHENTICATION_STRING); absent: the connection string's key. */
  readonly credential?: TokenCredential;
}

export function azureMonitorExporters(options: MonitorExporterOptions): TelemetryExporters {
  const settings = {
    connectionString: options.connectionString,
    ...(options.credential ? { credential: options.credential } : {}),
  };
  return { spans: new AzureMonitorTraceExporter(settings), logs: new AzureMonitorLogExporter(settings) };
}

/** The client id of `ClientId=<id>;Authorization=AAD`, when one is named. */
export function authenticationClientId(authentication: string): string | undefined {
  for (const part of authentication.split(';')) {
    const [key, value] = part.split('=').map((s) => s.trim());
    if (key?.toLowerCase() === 'clientid' && value) return value;
  }
  return undefined;
}
