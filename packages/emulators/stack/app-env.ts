import { createServer } from 'node:net';
import type { StackSettings } from './settings';

/** A port that is free on 127.0.0.1 now (for a host whose URL must be known before it starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface AppEnvironmentOptions {
  /** Port the Functions host will listen on: containers call back to it. */
  readonly port: number;
  /** HMAC key for container callback tokens (at least 32 characters). */
  readonly callbackSecret: string;
  readonly taskHub?: string;
  /** More settings, e.g. quotas or a sweep schedule for a test. */
  readonly extra?: Readonly<Record<string, string>>;
}

/**
 * The environment of a flotilla app hosted against the stack: the stack's settings plus what only the
 * hosting side knows (its own callback URL and secret, the task hub). One place for the CLI, tests and benches.
 */
export function appEnvironment(
  settings: StackSettings,
  options: AppEnvironmentOptions,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings)) if (value !== undefined) env[name] = value;
  return {
    ...env,
    FLOTILLA_CALLBACK_BASE_URL: `http://127.0.0.1:${options.port}`,
    FLOTILLA_CALLBACK_SECRET: options.callbackSecret,
    FLOTILLA_TASK_HUB: options.taskHub ?? 'flotilla',
    ...options.extra,
  };
}
