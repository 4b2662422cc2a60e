/**
 * How `status`, `cancel` and `logs` reach a flotilla app: a deployed one with --target, or the embedded stack
 * started again on the state folder of an earlier `flotilla run` (Azurite data and durable state persist).
 */
import { resolve } from 'node:path';
import { FlotillaApi } from '../api-client';
import { bootLocalStack, type LocalStack } from './local-stack';

export interface ConnectOptions {
  readonly target?: string;
  readonly key?: string;
  readonly state: string;
}

export async function withApi<T>(
  options: ConnectOptions,
  log: (line: string) => void,
  use: (api: FlotillaApi, local?: LocalStack) => Promise<T>,
): Promise<T> {
  if (options.target) {
    return use(new FlotillaApi(options.target, options.key ?? process.env.FLOTILLA_FUNCTION_KEY));
  }
  const local = await bootLocalStack({
    stateDir: resolve(options.state),
    mode: 'process',
    imageMounts: {},
    log,
  });
  try {
    return await use(new FlotillaApi(local.baseUrl, local.key), local);
  } finally {
    await local.stop();
  }
}

export function addConnectOptions<
  T extends { option(flags: string, description: string, value?: string): T },
>(command: T): T {
  return command
    .option('--target <url>', 'base URL of a deployed flotilla app (default: the embedded stack in --state)')
    .option('--key <key>', 'function key for --target (or FLOTILLA_FUNCTION_KEY)')
    .option('--state <dir>', 'state folder of the embedded stack', '.flotilla');
}
