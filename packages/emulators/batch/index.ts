import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, RealClock } from '../common/clock';
import type { ContainerExecutor } from '../common/container-executor';
import { FaultInjector } from '../common/faults';
import { RequestRecorder } from '../common/recorder';
import type { UsageBill } from '../common/meter';
import { adminRequest, type BatchResources, resources, reset } from './admin';
import type { Json } from './model';
import { jobRoutes } from './jobs-api';
import { fileRoutes } from './files-api';
import { createPool, poolRoutes } from './pools-api';
import { ProcessRunner } from './process-runner';
import { SimulatedRunner, type TaskRunner } from './runner';
import { Scheduler } from './scheduler';
import { createHandler } from './server';
import { BatchState, type SimulatedTaskInfo, type SimulatedTaskPlan } from './state';
import { taskRoutes } from './tasks-api';

export type { BatchResources, SimulatedTaskInfo, SimulatedTaskPlan };
export { BATCH_AUDIENCE } from './auth';
export { NODE_ROOT } from './process-runner';

export interface BatchEmulatorOptions {
  /** 0 (default) picks a free port. The server binds 127.0.0.1 only. */
  readonly port?: number;
  readonly account: string;
  /** Shared key, base64 (what BatchSharedKeyCredentials is given). */
  readonly key: string;
  readonly clock?: Clock;
  /**
   * `process`: tasks run as local processes; `container`: tasks with containerSettings run in their image
   * through `containers` (docs/emulators.md, 'Executor modes'); `simulate`: no process, see `simulate`.
   */
  readonly mode: 'process' | 'simulate' | 'container';
  /** Container mode: the executor (one engine, labels, cleanup) shared with the ACI emulator. */
  readonly containers?: ContainerExecutor;
  /** Simulate mode: duration and exit code per task attempt. Default: 1 s, exit 0. */
  readonly simulate?: SimulatedTaskPlan | ((task: SimulatedTaskInfo) => SimulatedTaskPlan);
  /** Process mode: node folders are created under `<workRoot>/nodes/<nodeId>`. */
  readonly workRoot?: string;
  readonly faults?: FaultInjector;
  /** Active (not completed) jobs allowed at once. Default 100 (Batch's low default). */
  readonly activeJobQuota?: number;
  /** Pools allowed. Default 100. */
  readonly poolQuota?: number;
  /**
   * Autoscale evaluations every this many ms of the clock instead of each pool's `autoScaleEvaluationInterval`
   * (at least 5 minutes on Batch). For tests and the local stack on a real clock; pools still report their own
   * interval. Default: the pool's interval.
   */
  readonly autoScaleIntervalMs?: number;
  /** Time from "runnable" to "running", on the clock. Default 0. */
  readonly schedulingDelayMs?: number;
  /** How long a deleted job or pool stays `deleting` (on the clock) before it is gone. Default 0. */
  readonly deleteDelayMs?: number;
  /** Image name (with or without tag) -> container path -> host folder. */
  readonly imageMounts?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Process mode: variables every task process gets (what the node or image provides). */
  readonly processEnv?: Readonly<Record<string, string>>;
  /** Pools that exist from the start (PoolAddParameter bodies). */
  readonly pools?: readonly Json[];
}

export interface BatchEmulator {
  /** Base URL for `new BatchServiceClient(credentials, url)`. */
  readonly url: string;
  readonly account: string;
  readonly key: string;
  readonly recorder: RequestRecorder;
  readonly faults: FaultInjector;
  readonly clock: Clock;
  resources(): BatchResources;
  /** Run time of every task attempt that ended. */
  billing(): UsageBill;
  /** Forgets all state, recordings and fault rules. */
  reset(): void;
  stop(): Promise<void>;
}

export async function startBatchEmulator(options: BatchEmulatorOptions): Promise<BatchEmulator> {
  if (options.mode !== 'simulate' && !options.workRoot)
    throw new Error(`startBatchEmulator: workRoot is required in ${options.mode} mode`);
  if (options.mode === 'container' && !options.containers)
    throw new Error('startBatchEmulator: mode "container" needs the `containers` executor');
  if (!/^[A-Za-z0-9+/]+=*$/.test(options.key)) throw new Error('startBatchEmulator: key must be base64');
  const clock = options.clock ?? new RealClock();
  const faults = options.faults ?? new FaultInjector();
  const simulate = options.simulate ?? { durationMs: 1000, exitCode: 0 };
  const state = new BatchState(
    clock,
    {
      account: options.account,
      mode: options.mode,
      simulate: typeof simulate === 'function' ? simulate : () => simulate,
      workRoot: options.workRoot ?? '',
      activeJobQuota: options.activeJobQuota ?? 100,
      poolQuota: options.poolQuota ?? 100,
      schedulingDelayMs: options.schedulingDelayMs ?? 0,
      deleteDelayMs: options.deleteDelayMs ?? 0,
      ...(options.autoScaleIntervalMs !== undefined
        ? { autoScaleIntervalMs: options.autoScaleIntervalMs }
        : {}),
      imageMounts: options.imageMounts ?? {},
      processEnv: options.processEnv ?? {},
    },
    faults,
  );
  let url = '';
  const runner: TaskRunner =
    options.mode === 'simulate'
      ? new SimulatedRunner(state)
      : new ProcessRunner(
          state,
          clock,
          () => url,
          options.mode === 'container' ? options.containers : undefined,
        );
  const scheduler = new Scheduler(state, runner);
  const recorder = new RequestRecorder();
  const hung = new Set<IncomingMessage>();
  state.pumpPool = (poolId) => scheduler.pump(poolId);
  for (const pool of options.pools ?? []) createPool(state, pool);
  const server: Server = createServer(
    createHandler({
      state,
      scheduler,
      runner,
      recorder,
      routes: [...poolRoutes, ...jobRoutes, ...fileRoutes, ...taskRoutes],
      key: options.key,
      hung,
      admin: (req, path, body) => adminRequest(req, path, body, { state, scheduler, recorder }),
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    account: options.account,
    key: options.key,
    recorder,
    faults,
    clock,
    resources: () => resources(state),
    billing: () => state.meter.bill(),
    reset: () => reset(state, scheduler, recorder),
    async stop() {
      reset(state, scheduler, recorder);
      for (const req of hung) req.socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
