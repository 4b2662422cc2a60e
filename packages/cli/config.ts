/**
 * Where the CLI finds a deployed app: `--target` / `--key` flags, else the FLOTILLA_TARGET /
 * FLOTILLA_FUNCTION_KEY environment, else a JSON config file (`--config <file>`, else FLOTILLA_CONFIG, else
 * `$XDG_CONFIG_HOME/flotilla/config.json` or `~/.config/flotilla/config.json`). Each value is taken from the
 * first place that has it (README, "The CLI"). The key is sent as `x-functions-key` and never printed.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliUsageError } from './output';

export interface ConfigFile {
  readonly target?: string;
  readonly functionKey?: string;
}

export interface ConnectFlags {
  readonly target?: string;
  readonly key?: string;
  readonly config?: string;
}

export interface Connection {
  /** The app's base URL; undefined: use the embedded stack. */
  readonly target?: string;
  readonly key?: string;
  /** Where the target came from: a follow-up command repeats `--target` only when it came from a flag. */
  readonly targetFrom?: 'flag' | 'env' | 'config';
  readonly warnings: readonly string[];
}

const KEYS = ['target', 'functionKey'] as const;

export function defaultConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'flotilla', 'config.json');
}

/** `--config` wins, then FLOTILLA_CONFIG (empty: no file at all), then the default place. */
export function configFileOf(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { file?: string; explicit: boolean; from: string } {
  if (flag !== undefined) return { file: flag, explicit: true, from: '--config' };
  if (env.FLOTILLA_CONFIG !== undefined)
    return env.FLOTILLA_CONFIG === ''
      ? { explicit: false, from: 'FLOTILLA_CONFIG' }
      : { file: env.FLOTILLA_CONFIG, explicit: true, from: 'FLOTILLA_CONFIG' };
  return { file: defaultConfigFile(env), explicit: false, from: 'the default config file' };
}

export function readConfigFile(
  file: string,
  explicit: boolean,
  from: string,
): { config: ConfigFile; warnings: string[] } {
  if (!existsSync(file)) {
    if (explicit) throw new CliUsageError(`${from}: the config file ${file} does not exist`);
    return { config: {}, warnings: [] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new CliUsageError(`config file ${file}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new CliUsageError(`config file ${file}: expected a JSON object like {"target": "https://…"}`);
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!(KEYS as readonly string[]).includes(key))
      throw new CliUsageError(`config file ${file}: unknown key "${key}"; allowed: ${KEYS.join(', ')}`);
    if (typeof value !== 'string' || value === '')
      throw new CliUsageError(`config file ${file}: "${key}" must be a non-empty string`);
    config[key] = value;
  }
  const warnings: string[] = [];
  // The key is a secret: a file others can read gives it away.
  if (config.functionKey && process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0)
    warnings.push(`config file ${file} holds a function key and others can read it: chmod 600 ${file}`);
  return { config, warnings };
}

export function resolveConnection(flags: ConnectFlags, env: NodeJS.ProcessEnv = process.env): Connection {
  const where = configFileOf(flags.config, env);
  const { config, warnings } = where.file
    ? readConfigFile(where.file, where.explicit, where.from)
    : { config: {}, warnings: [] };
  const fromEnv = (name: string) => (env[name] ? env[name] : undefined);
  const target = flags.target ?? fromEnv('FLOTILLA_TARGET') ?? config.target;
  const targetFrom = flags.target
    ? 'flag'
    : fromEnv('FLOTILLA_TARGET')
      ? 'env'
      : config.target
        ? 'config'
        : undefined;
  const key = flags.key ?? fromEnv('FLOTILLA_FUNCTION_KEY') ?? config.functionKey;
  if (target !== undefined)
    checkTarget(
      target,
      targetFrom === 'flag'
        ? '--target'
        : targetFrom === 'env'
          ? 'FLOTILLA_TARGET'
          : `"target" in ${where.file}`,
    );
  return {
    ...(target ? { target: target.replace(/\/+$/, ''), targetFrom } : {}),
    ...(key ? { key } : {}),
    warnings,
  };
}

function checkTarget(value: string, from: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliUsageError(
      `${from}: expected the app's base URL (http:// or https://), got ${JSON.stringify(value)}`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new CliUsageError(`${from}: expected an http:// or https:// URL, got ${url.protocol}`);
  if (url.username || url.password || url.search)
    throw new CliUsageError(
      `${from}: give the base URL only (no credentials or query); the key goes in FLOTILLA_FUNCTION_KEY`,
    );
}
