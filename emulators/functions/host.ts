/**
 * `startHost`: loads an app, serves it on 127.0.0.1, runs its timers and blob triggers, wires the Durable engine,
 * and offers helpers for tests. One host per app per module registry (P1); a second `startHost` on the same
 * folder reuses the loaded registrations (a restart).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { RealClock, type Clock } from '../common/clock';
import { inputDataFor, usesDurable } from './bindings';
import type { DurableEngineApi, InvocationResult, RegisteredFunction, RpcTypedData } from './contracts';
import { createDurableEngine } from './durable';
import { HttpFunctionTable } from './http-functions';
import { hookContext, Invoker, type HostLog } from './invoker';
import { resolveKeys, type HostKeys } from './keys';
import { loadApp, type LoadedApp } from './loader';
import { createHostServer } from './server';
import { BlobTriggers } from './triggers/blob-trigger';
import { TimerScheduler } from './triggers/timer';
import { eventGridFunction } from './triggers/webhooks';
import { HostHelpers, type FunctionInfo, type InvocationRecord } from './host-helpers';

export interface StartHostOptions {
  readonly appDir: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly clock?: Clock;
  /** Durable state and blob receipts; a temporary folder (removed at stop) if not given. */
  readonly stateDir?: string;
  /** Set in process.env before the app loads (overriding), restored at stop. */
  readonly env?: Readonly<Record<string, string>>;
  readonly keys?: Partial<HostKeys>;
  readonly log?: HostLog;
  /** Background blob polling interval; `false` polls only when `pollBlobs()` is called. Default 2000. */
  readonly blobPollIntervalMs?: number | false;
}

export class Host extends HostHelpers {
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopped = false;

  private constructor(
    url: string,
    readonly port: number,
    readonly clock: Clock,
    readonly stateDir: string,
    keys: HostKeys,
    readonly invoker: Invoker,
    readonly app: LoadedApp,
    private readonly parts: HostParts,
    records: InvocationRecord[],
  ) {
    super(url, keys, parts.table, records);
  }

  static async start(options: StartHostOptions): Promise<Host> {
    return startHostImpl(options, (...args) => new Host(...args));
  }

  get functions(): readonly FunctionInfo[] {
    return this.describe(this.invoker.functions());
  }

  /** The Durable engine (throws if the app has no durable functions or the engine is unavailable). */
  get engine(): DurableEngineApi {
    if (!this.parts.engine)
      throw new Error(
        `No Durable engine is running for ${this.app.config.appDir}: ${this.parts.engineError}`,
      );
    return this.parts.engine;
  }

  invokeTimer(name: string): Promise<InvocationResult> {
    return this.track(this.parts.timers.invokeNow(name));
  }

  invokeBlob(name: string, blobPath: string, content: string | Buffer): Promise<InvocationResult> {
    return this.track(this.parts.blobs.invokeDirect(name, blobPath, Buffer.from(content)));
  }

  /** Invokes an Event Grid function with one event; missing id, eventTime, subject, versions are filled in. */
  invokeEventGrid(name: string, event: Record<string, unknown>): Promise<InvocationResult> {
    const fn = eventGridFunction(this.invoker, name);
    const full = {
      id: randomUUID(),
      subject: '',
      eventTime: new Date(this.clock.now()).toISOString(),
      dataVersion: '1.0',
      metadataVersion: '1',
      ...event,
    };
    return this.track(this.parts.invoke(fn, { json: JSON.stringify(full) }));
  }

  /** Scans every polling blob trigger's container once and waits for the invocations. */
  async pollBlobs(): Promise<void> {
    await this.track(this.parts.blobs.pollOnce());
  }

  /** Waits until no timer, blob or helper invocation is running. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    void work.then(
      () => this.inFlight.delete(work),
      () => this.inFlight.delete(work),
    );
    return work;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const { timers, blobs, engine, server } = this.parts;
    timers.stop();
    await blobs.stop();
    await engine?.stop();
    await this.settle();
    const appHookData = this.parts.appHookData;
    // App hooks share one scope: the library exposes it as `hookData` (worker: hookData = appHookData).
    for (const hook of this.app.session.hooks.appTerminate)
      await hook(hookContext(appHookData, appHookData, {}));
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    this.parts.restoreEnv();
    if (this.parts.ownsStateDir) rmSync(this.stateDir, { recursive: true, force: true });
  }
}

interface HostParts {
  readonly server: http.Server;
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

type HostFactory = (
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

async function startHostImpl(options: StartHostOptions, create: HostFactory): Promise<Host> {
  const log = options.log ?? (() => undefined);
  const clock = options.clock ?? new RealClock();
  const ownsStateDir = !options.stateDir;
  const stateDir = options.stateDir
    ? path.resolve(options.stateDir)
    : mkdtempSync(path.join(os.tmpdir(), 'flotilla-host-'));
  const app = await loadApp(options.appDir, options.env);
  const records: InvocationRecord[] = [];
  const appHookData: Record<string, unknown> = {};
  const invoker = new Invoker({
    session: app.session,
    programmingModel: app.programmingModel,
    appHookData,
    log,
    onInvoked: (name, result) => {
      records.push(result.ok ? { name, ok: true } : { name, ok: false, error: result.error.message });
      log(
        result.ok
          ? `[information] Executed '${name}' (Succeeded)`
          : `[error] Executed '${name}' (Failed): ${result.error.message}`,
      );
    },
  });
  const functions = invoker.functions();
  let engine: DurableEngineApi | undefined;
  let engineError = 'the app registers no durable functions.';
  const invoke = (
    fn: RegisteredFunction,
    data: RpcTypedData,
    triggerMetadata: Record<string, RpcTypedData> = {},
  ) =>
    invoker.invoke(fn.name, {
      inputData: inputDataFor(fn, data, () => {
        if (!engine) throw new Error(`Function "${fn.name}" has a durableClient input but ${engineError}`);
        return engine;
      }),
      triggerMetadata,
    });
  const previousHostname = process.env.WEBSITE_HOSTNAME;
  let server: http.Server | undefined;
  try {
    const table = new HttpFunctionTable(functions, app.config.host.routePrefix);
    const keys = resolveKeys(options.keys);
    const ref: { host?: Host } = {};
    const track = (work: Promise<unknown>) => void ref.host?.track(work);
    const timers = new TimerScheduler(functions, clock, (fn, data) => invoke(fn, data), track);
    const blobs = new BlobTriggers(functions, stateDir, invoke, log);
    server = createHostServer({
      table,
      keys,
      invoke,
      engine: () => engine,
      webhooks: { invoker, blobs, invokeEvent: invoke },
      log,
    });
    const port = await listen(server, options.port ?? 0);
    const url = `http://127.0.0.1:${port}`;
    process.env.WEBSITE_HOSTNAME = `127.0.0.1:${port}`;
    if (functions.some(usesDurable)) {
      try {
        engine = createDurableEngine({
          invoker,
          clock,
          stateDir: path.join(stateDir, 'durable'),
          hubName: app.config.host.hubName,
          baseUrl: url,
          maxConcurrentActivityFunctions: app.config.host.maxConcurrentActivityFunctions,
          maxConcurrentOrchestratorFunctions: app.config.host.maxConcurrentOrchestratorFunctions,
          log,
        });
        await engine.start();
      } catch (error) {
        engine = undefined;
        engineError = `the Durable engine could not start: ${(error as Error).message}`;
        log(`[warning] ${engineError}`);
      }
    }
    const restoreEnv = () => {
      if (previousHostname === undefined) delete process.env.WEBSITE_HOSTNAME;
      else process.env.WEBSITE_HOSTNAME = previousHostname;
      app.restoreEnv();
    };
    const parts: HostParts = {
      server,
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
    await engine?.stop();
    if (previousHostname === undefined) delete process.env.WEBSITE_HOSTNAME;
    else process.env.WEBSITE_HOSTNAME = previousHostname;
    app.restoreEnv();
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

export function startHost(options: StartHostOptions): Promise<Host> {
  return Host.start(options);
}
