/**
 * Loads an app folder like `func start`: settings into the environment, the entry files from `package.json`
 * `main` (a path or glob), then `getCapabilities`. Registrations land in a load session of the core registry.
 */
import * as net from 'node:net';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { glob, isDynamicPattern } from 'tinyglobby';
import { AppConfigError, readHostSettings, readLocalSettings, readMain, type AppConfig } from './app-config';
import { coreRegistry, newLoadSession, type LoadSession } from './core-registry';
import type { ProgrammingModel } from './core-types';
import { installCoreModule } from './install-core';
import { checkBindings } from './storage-bindings';

export interface LoadedApp {
  readonly config: AppConfig;
  readonly session: LoadSession;
  readonly programmingModel: ProgrammingModel;
  /** Entry files, absolute, in load order. */
  readonly entryFiles: readonly string[];
  /**
   * With `app.setup({ enableHttpStream: true })`: the library's own HTTP proxy (the `HttpUri` capability),
   * where the host forwards each HTTP trigger's raw request (docs/functions-host.md, 'HTTP streams').
   */
  readonly httpStreamUri?: string;
  /** Puts back the environment variables the load set. */
  restoreEnv(): void;
}

const UNSUPPORTED_TRIGGERS: Record<string, string> = {};

/**
 * Apps already loaded in this module registry: loading one twice would register its functions twice
 * (docs/functions-host.md, 'One app per module registry').
 */
const loadedKey = Symbol.for('flotilla.functions-host.loaded-apps');
function loadedApps(): Map<string, { session: LoadSession; entryFiles: string[] }> {
  const holder = globalThis as unknown as Record<
    symbol,
    Map<string, { session: LoadSession; entryFiles: string[] }>
  >;
  return (holder[loadedKey] ??= new Map());
}

export async function loadApp(
  appDirInput: string,
  extraEnv: Readonly<Record<string, string>> = {},
): Promise<LoadedApp> {
  installCoreModule();
  const appDir = path.resolve(appDirInput);
  const restore = applyEnv(extraEnv, true);
  const values = readLocalSettings(appDir);
  const restoreLocal = applyEnv(values, false);
  const restoreEnv = () => {
    restoreLocal();
    restore();
  };
  try {
    const host = readHostSettings(appDir, process.env);
    const main = readMain(appDir);
    const config: AppConfig = { appDir, main, host, values };
    const { session, entryFiles } = await loadEntries(appDir, main);
    const programmingModel = coreRegistry().programmingModel;
    if (!programmingModel || session.functions.size === 0) {
      throw new AppConfigError(
        `${appDir}: no functions were registered by ${entryFiles.join(', ')} (is @azure/functions installed and does the app call app.*?).`,
      );
    }
    const httpStreamUri = await streamCapability(programmingModel);
    for (const fn of session.functions.values()) {
      checkBindings(fn);
      for (const binding of Object.values(fn.bindings)) {
        const reason = UNSUPPORTED_TRIGGERS[binding.type.toLowerCase()];
        if (reason)
          throw new AppConfigError(`Function "${fn.name}": ${reason} (binding type "${binding.type}").`);
      }
    }
    return {
      config,
      session,
      programmingModel,
      entryFiles,
      restoreEnv,
      ...(httpStreamUri ? { httpStreamUri } : {}),
    };
  } catch (error) {
    restoreEnv();
    throw error;
  }
}

async function loadEntries(
  appDir: string,
  main: string,
): Promise<{ session: LoadSession; entryFiles: string[] }> {
  const cached = loadedApps().get(appDir);
  if (cached) return cached;
  const entryFiles = isDynamicPattern(main)
    ? (await glob(main, { cwd: appDir, absolute: true })).sort()
    : [path.resolve(appDir, main)];
  if (entryFiles.length === 0)
    throw new AppConfigError(`${appDir}: package.json "main" (${main}) matches no files.`);
  const registry = coreRegistry();
  const session = newLoadSession();
  registry.session = session;
  try {
    for (const file of entryFiles) {
      try {
        if (file.endsWith('.mjs')) await import(pathToFileURL(file).href);
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        else require(file);
      } catch (error) {
        throw new AppConfigError(`Loading ${file} failed: ${(error as Error).message}`, { cause: error });
      }
    }
  } finally {
    session.open = false;
  }
  const loaded = { session, entryFiles };
  loadedApps().set(appDir, loaded);
  return loaded;
}

/**
 * Calls `getCapabilities` as the worker does at start. With HTTP streams enabled the library starts its proxy
 * server there and answers its address; that server listens for the life of the process, as in the worker, but
 * is unref'd so it never keeps a stopped host's process alive.
 */
async function streamCapability(model: ProgrammingModel): Promise<string | undefined> {
  const proto = net.Server.prototype as { listen: (this: net.Server, ...args: unknown[]) => net.Server };
  const { listen } = proto;
  const started: net.Server[] = [];
  proto.listen = function (this: net.Server, ...args: unknown[]) {
    started.push(this);
    return listen.apply(this, args);
  };
  let capabilities: Record<string, unknown>;
  try {
    capabilities = (await model.getCapabilities?.({})) ?? {};
  } finally {
    proto.listen = listen;
  }
  for (const server of started) server.unref();
  const uri = capabilities.HttpUri;
  return typeof uri === 'string' && uri !== '' ? uri : undefined;
}

/** Sets variables (all, or only unset ones) and returns a function that undoes exactly that. */
function applyEnv(values: Readonly<Record<string, string>>, override: boolean): () => void {
  const previous = new Map<string, string | undefined>();
  for (const [key, value] of Object.entries(values)) {
    if (!override && process.env[key] !== undefined) continue;
    previous.set(key, process.env[key]);
    process.env[key] = value;
  }
  return () => {
    for (const [key, value] of previous) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}
