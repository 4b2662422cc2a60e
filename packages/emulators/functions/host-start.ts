/** Wiring for `startHost`: load the app, build the triggers and the server, listen, start the engine, run appStart. */
import { mkdtempSync, rmSync } from 'node:fs';
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { RealClock, type Clock } from '../common/clock';
import { inputDataFor, usesDurable } from './bindings';
import type { DurableEngineApi, InvocationResult, RegisteredFunction, RpcTypedData } from './contracts';
import { createDurableEngine } from './durable';
import type { Host, StartHostOptions } from './host';
import type { InvocationRecord } from './host-helpers';
import { HttpFunctionTable } from './http-functions';
import { hookContext, Invoker } from './invoker';
import { resolveKeys, type HostKeys } from './keys';
import { loadApp, type LoadedApp } from './loader';
import { coreRegistry } from './core-registry';
import { createHostServer, createRpcServer } from './server';
import { BlobTriggers } from './triggers/blob-trigger';
import { TimerScheduler, type RetryContext } from './triggers/timer';
import { enterAppDir } from './working-dir';

/** How many invocation records `host.invocations()` keeps (the most recent; docs/functions-host.md). */
const INVOCATION_RECORDS = 10_000;

export interface HostParts {
  readonly server: http.Server;
  /** The private Durable RPC listener (undefined when the app has no durable functions). */
  readonly rpcServer: http.Server | undefined;
  readonly table: HttpFunctionTable;
  readonly timers: TimerScheduler;
  readonly blobs: BlobTriggers;
  readonly engine: DurableEngineApi | undefined;
  readonly engineError: string;
  readonly appHookData: Record<string, unknown>;
  readonly invoke: (
    fn: RegisteredFunction,
    data: RpcTypedData,
    meta?: Record<string, RpcTypedData>,
  ) => Promise<InvocationResult>;
  readonly ownsStateDir: boolean;
  restoreEnv(): void;
}

export type HostFactory = (
  url: string,
  port: number,
  clock: Clock,
  stateDir: string,
  keys: HostKeys,
  invoker: Invoker,
  app: LoadedApp,
  parts: HostParts,
  records: InvocationRecord[],
) => Host;

export async function startHostImpl(options: StartHostOptions, create: HostFactory): Promise<Host> {
  const log = options.log ?? (() => undefined);
  const clock = options.clock ?? new RealClock();
  const ownsStateDir = !options.stateDir;
  const stateDir = options.stateDir
    ? path.resolve(options.stateDir)
    : mkdtempSync(path.join(os.tmpdir(), 'flotilla-host-'));
  // Library system logs outside invocations (load-time warnings) go to this host's log.
  coreRegistry().logSink = (level, _category, message) => {
    if (level === 'warning' || level === 'error' || level === 'critical') log(`[${level}] host: ${message}`);
  };
  const leaveAppDir = enterAppDir(options.appDir);
  let app: LoadedApp;
  try {
    app = await loadApp(options.appDir, options.env);
  } catch (error) {
    leaveAppDir();
    throw error;
  }
  const records: InvocationRecord[] = [];
  const appHookData: Record<string, unknown> = {};
  const invoker = new Invoker({
    session: app.session,
    programmingModel: app.programmingModel,
    appHookData,
    log,
    onInvoked: (name, result) => {
      records.push(result.ok ? { name, ok: true } : { name, ok: false, error: result.error.message });
      // The most recent ones only, so a long run's memory does not grow with what has run.
      if (records.length > INVOCATION_RECORDS * 1.1) records.splice(0, records.length - INVOCATION_RECORDS);
      log(
        result.ok
          ? `[information] Executed '${name}' (Succeeded)`
          : `[error] Executed '${name}' (Failed): ${result.error.message}`,
      );
    },
  });
  const functions = invoker.functions();
  let engine: DurableEngineApi | undefined;
  const engineError = 'the app registers no durable functions.';
  const invoke = (
    fn: RegisteredFunction,
    data: RpcTypedData | undefined,
    triggerMetadata: Record<string, RpcTypedData> = {},
    retryContext?: RetryContext,
    invocationId?: string,
  ) =>
    invoker.invoke(fn.name, {
      ...(invocationId ? { invocationId } : {}),
      inputData: inputDataFor(fn, data, () => {
        if (!engine) throw new Error(`Function "${fn.name}" has a durableClient input but ${engineError}`);
        return engine;
      }),
      triggerMetadata,
      ...(retryContext ? { retryContext } : {}),
    });
  const previousHostname = process.env.WEBSITE_HOSTNAME;
  let server: http.Server | undefined;
  let rpcServer: http.Server | undefined;
  try {
    const table = new HttpFunctionTable(functions, app.config.host.routePrefix);
    const keys = resolveKeys(options.keys);
    const ref: { host?: Host } = {};
    const track = (work: Promise<unknown>) => void ref.host?.track(work);
    const timers = new TimerScheduler(
      functions,
      clock,
      (fn, data, retry) => invoke(fn, data, {}, retry),
      track,
      log,
    );
    const blobs = new BlobTriggers(functions, stateDir, invoke, log);
    server = createHostServer({
      table,
      keys,
      invoke: (fn, data, metadata, invocationId) => invoke(fn, data, metadata, undefined, invocationId),
      ...(app.httpStreamUri ? { httpStreamUri: app.httpStreamUri } : {}),
      engine: () => engine,
      webhooks: { invoker, blobs, invokeEvent: invoke },
      admin: { keys, invoker, timers, blobs, invoke },
      log,
    });
    const port = await listen(server, options.port ?? 0);
    const url = `http://127.0.0.1:${port}`;
    process.env.WEBSITE_HOSTNAME = `127.0.0.1:${port}`;
    if (functions.some(usesDurable)) {
      rpcServer = createRpcServer(() => engine);
      const rpcPort = await listen(rpcServer, 0);
      try {
        engine = createDurableEngine({
          invoker,
          clock,
          stateDir: path.join(stateDir, 'durable'),
          hubName: app.config.host.hubName,
          baseUrl: url,
          rpcUrl: `http://127.0.0.1:${rpcPort}`,
          systemKey: keys.durableTask,
          maxConcurrentActivityFunctions: app.config.host.maxConcurrentActivityFunctions,
          maxConcurrentOrchestratorFunctions: app.config.host.maxConcurrentOrchestratorFunctions,
          log,
        });
        await engine.start();
      } catch (error) {
        throw new Error(`The Durable engine could not start: ${(error as Error).message}`, { cause: error });
      }
    }
    const restoreEnv = () => {
      if (previousHostname === undefined) delete process.env.WEBSITE_HOSTNAME;
      else process.env.WEBSITE_HOSTNAME = previousHostname;
      app.restoreEnv();
      leaveAppDir();
    };
    const parts: HostParts = {
      server,
      rpcServer,
      table,
      timers,
      blobs,
      engine,
      engineError,
      appHookData,
      invoke,
      ownsStateDir,
      restoreEnv,
    };
    const host = create(url, port, clock, stateDir, keys, invoker, app, parts, records);
    ref.host = host;
    for (const hook of app.session.hooks.appStart) {
      await hook(hookContext(appHookData, appHookData, { functionAppDirectory: app.config.appDir }));
    }
    timers.start();
    if (options.blobPollIntervalMs !== false) blobs.startPolling(options.blobPollIntervalMs ?? 2000);
    return host;
  } catch (error) {
    if (server?.listening) server.close();
    if (rpcServer?.listening) rpcServer.close();
    await engine?.stop().catch(() => undefined);
    if (previousHostname === undefined) delete process.env.WEBSITE_HOSTNAME;
    else process.env.WEBSITE_HOSTNAME = previousHostname;
    app.restoreEnv();
    leaveAppDir();
    if (ownsStateDir) rmSync(stateDir, { recursive: true, force: true });
    throw error;
  }
}

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
