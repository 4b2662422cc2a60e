/**
 * `startHost`: loads an app, serves it on 127.0.0.1, runs its timers and blob triggers, wires the Durable
 * engine, and offers helpers for tests. One host per app per module registry (docs/functions-host.md, 'One
 * app per module registry'); a second `startHost` on the same folder reuses the loaded registrations (a
 * restart).
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { Clock } from '../common/clock';
import type { DurableEngineApi, InvocationResult } from './contracts';
import { HostHelpers, type FunctionInfo, type InvocationRecord } from './host-helpers';
import { startHostImpl, type HostParts } from './host-start';
import { hookContext, type HostLog, type Invoker } from './invoker';
import type { HostKeys } from './keys';
import type { LoadedApp } from './loader';
import { eventGridFunction } from './triggers/webhooks';

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
    const { timers, blobs, engine, server, rpcServer } = this.parts;
    timers.stop();
    await blobs.stop();
    await engine?.stop();
    await this.settle();
    const appHookData = this.parts.appHookData;
    // App hooks share one scope: the library exposes it as `hookData` (worker: hookData = appHookData).
    for (const hook of this.app.session.hooks.appTerminate)
      await hook(hookContext(appHookData, appHookData, {}));
    for (const listener of [server, rpcServer]) {
      if (!listener) continue;
      await new Promise<void>((resolve) => {
        listener.close(() => resolve());
        listener.closeAllConnections();
      });
    }
    this.parts.restoreEnv();
    if (this.parts.ownsStateDir) rmSync(this.stateDir, { recursive: true, force: true });
  }
}

export function startHost(options: StartHostOptions): Promise<Host> {
  return Host.start(options);
}
