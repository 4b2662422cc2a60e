/**
 * Reads an app folder the way `func start` does: `package.json` `main`, `host.json` and `local.settings.json`.
 * Bad files fail with an error naming the file and the field.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

export interface HostSettings {
  /** `extensions.http.routePrefix`, default `api` (may be empty). */
  readonly routePrefix: string;
  /** `extensions.durableTask.hubName` after `%SETTING%` substitution, default `TestHubName`. */
  readonly hubName: string;
  readonly maxConcurrentActivityFunctions: number;
  readonly maxConcurrentOrchestratorFunctions: number;
}

export interface AppConfig {
  readonly appDir: string;
  /** The `main` field: a path or glob relative to the app folder. */
  readonly main: string;
  readonly host: HostSettings;
  /** `local.settings.json` `Values` (empty if the file is absent). */
  readonly values: Readonly<Record<string, string>>;
}

export class AppConfigError extends Error {
  readonly code = 'APP_CONFIG_INVALID';
}

function readJson(file: string): unknown {
  try {
    // host.json and local.settings.json may carry a BOM (Visual Studio writes one).
    return JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, '')) as unknown;
  } catch (error) {
    throw new AppConfigError(`${file}: not valid JSON (${(error as Error).message}).`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(obj: unknown, ...keys: string[]): unknown {
  let current = obj;
  for (const key of keys) current = isRecord(current) ? current[key] : undefined;
  return current;
}

function positiveInt(file: string, where: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  throw new AppConfigError(`${file}: ${where} must be a positive integer, got ${JSON.stringify(value)}.`);
}

/** Replaces `%NAME%` with the environment variable NAME, as the Functions host does for binding expressions. */
export function substituteSettings(text: string, env: NodeJS.ProcessEnv, where: string): string {
  return text.replace(/%([^%]+)%/g, (_match, name: string) => {
    const value = env[name];
    if (value === undefined)
      throw new AppConfigError(`${where}: the app setting "${name}" (from %${name}%) is not set.`);
    return value;
  });
}

export function readHostSettings(appDir: string, env: NodeJS.ProcessEnv): HostSettings {
  const file = path.join(appDir, 'host.json');
  const json = existsSync(file) ? readJson(file) : {};
  if (!isRecord(json)) throw new AppConfigError(`${file}: must be a JSON object.`);
  const routePrefix = field(json, 'extensions', 'http', 'routePrefix') ?? 'api';
  if (typeof routePrefix !== 'string') {
    throw new AppConfigError(`${file}: extensions.http.routePrefix must be a string (may be empty).`);
  }
  const durable = field(json, 'extensions', 'durableTask');
  const hub = field(durable, 'hubName') ?? 'TestHubName';
  if (typeof hub !== 'string' || hub === '') {
    throw new AppConfigError(`${file}: extensions.durableTask.hubName must be a non-empty string.`);
  }
  const hubName = substituteSettings(hub, env, `${file}: extensions.durableTask.hubName`);
  if (!/^[A-Za-z][A-Za-z0-9]{2,49}$/.test(hubName)) {
    throw new AppConfigError(
      `${file}: extensions.durableTask.hubName "${hubName}" must be 3-50 letters or digits, starting with a letter.`,
    );
  }
  return {
    routePrefix: routePrefix.replace(/^\/+|\/+$/g, ''),
    hubName,
    maxConcurrentActivityFunctions: positiveInt(
      file,
      'extensions.durableTask.maxConcurrentActivityFunctions',
      field(durable, 'maxConcurrentActivityFunctions'),
      10,
    ),
    maxConcurrentOrchestratorFunctions: positiveInt(
      file,
      'extensions.durableTask.maxConcurrentOrchestratorFunctions',
      field(durable, 'maxConcurrentOrchestratorFunctions'),
      10,
    ),
  };
}

export function readLocalSettings(appDir: string): Record<string, string> {
  const file = path.join(appDir, 'local.settings.json');
  if (!existsSync(file)) return {};
  const values = field(readJson(file), 'Values') ?? {};
  if (!isRecord(values)) throw new AppConfigError(`${file}: Values must be an object of strings.`);
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (typeof value !== 'string') {
      throw new AppConfigError(`${file}: Values.${key} must be a string, got ${typeof value}.`);
    }
    result[key] = value;
  }
  return result;
}

export function readMain(appDir: string): string {
  const file = path.join(appDir, 'package.json');
  if (!existsSync(file))
    throw new AppConfigError(`${appDir}: no package.json (the host reads its "main" field).`);
  const main = field(readJson(file), 'main');
  if (typeof main !== 'string' || main.trim() === '') {
    throw new AppConfigError(
      `${file}: "main" must name the entry file or a glob such as "dist/src/functions/*.js".`,
    );
  }
  return main;
}
