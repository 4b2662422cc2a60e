/**
 * How `status`, `cancel`, `logs`, `runs`, `pipelines`, `outputs` and `rerun` reach a flotilla app: a deployed
 * one (`--target`, FLOTILLA_TARGET or the config file; packages/cli/config.ts), or the embedded stack started
 * again on the state folder of an earlier `flotilla run` (Azurite data and durable state persist).
 */
import { resolve } from 'node:path';
import { FlotillaApi } from '../api-client';
import { type Connection, resolveConnection } from '../config';
import { bootLocalStack, type LocalStack } from './local-stack';

export interface ConnectOptions {
  readonly target?: string;
  readonly key?: string;
  readonly config?: string;
  readonly state: string;
}

/** The connection the flags, environment and config file name (warnings go to `log`). */
export function connectionOf(options: ConnectOptions, log: (line: string) => void): Connection {
  const connection = resolveConnection(options);
  for (const warning of connection.warnings) log(`flotilla: warning: ${warning}`);
  return connection;
}

export async function withApi<T>(
  options: ConnectOptions,
  log: (line: string) => void,
  use: (api: FlotillaApi, local?: LocalStack, connection?: Connection) => Promise<T>,
): Promise<T> {
  const connection = connectionOf(options, (line) => process.stderr.write(`${line}\n`));
  if (connection.target)
    return use(new FlotillaApi(connection.target, connection.key), undefined, connection);
  const local = await bootLocalStack({
    stateDir: resolve(options.state),
    mode: 'process',
    imageMounts: {},
    log,
  });
  try {
    return await use(new FlotillaApi(local.baseUrl, local.key), local, connection);
  } finally {
    await local.stop();
  }
}

export function addConnectOptions<
  T extends { option(flags: string, description: string, value?: string): T },
>(command: T): T {
  return command
    .option(
      '--target <url>',
      "a deployed app's base URL (or FLOTILLA_TARGET; default: the embedded stack in --state)",
    )
    .option('--key <key>', 'function key for the target (prefer FLOTILLA_FUNCTION_KEY or the config file)')
    .option('--config <file>', 'config file with target and functionKey (or FLOTILLA_CONFIG)')
    .option('--state <dir>', 'state folder of the embedded stack', '.flotilla');
}
