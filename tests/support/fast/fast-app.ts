/**
 * The fast tier's harness: the app's real triggers, orchestrators and activities (src/index.ts, wired through
 * setAppDeps) on the embedded Functions host and Durable engine, with in-memory ports (FakeCompute,
 * InMemoryBlobStore) and a skipping VirtualClock: `until()` moves time to the next armed timer whenever the
 * engine is idle, so a 30-minute step timeout takes milliseconds. No Azurite, no emulators, no child process.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../../../packages/emulators/common/clock';
import { startHost, type Host } from '../../../packages/emulators/functions';
import type { ActivityDeps } from '../../../src/activities/deps';
import type { RunView } from '../../../src/api/run-view';
import { type AppDeps, setAppDeps } from '../../../src/composition';
import { isReservedSettingName, STEP_SECRET_PREFIX } from '../../../src/config/settings';
import type { AdmissionLimits, Ledger } from '../../../src/admission/policy';
import type { LaneCustomStatus, RunCustomStatus } from '../../../src/orchestrators/contracts';
import { instanceIds } from '../../../src/runs/ids';
import type { Telemetry } from '../../../src/telemetry/telemetry';
import {
  type ImageList,
  RESULTS_CONTAINER,
  runPaths,
  STATE_CONTAINER,
  statePaths,
} from '../../../src/runs/paths';
import type { ImageRecord, StepResult } from '../../../src/runs/records';
import { exits } from '../fakes/builders';
import { FakeCompute, type Script } from '../fakes/fake-compute';
import { InMemoryBlobStore } from '../fakes/in-memory-blob-store';

const appDir = join(__dirname, 'app');
const CALLBACK_SECRET = 'fast-tier-callback-secret-of-at-least-32-characters';

export const DEFAULT_LIMITS: AdmissionLimits = {
  aciCreatesPer5Min: 100,
  aciCreatesPerHour: 300,
  aciCoreQuota: 100,
  aciGroupQuota: 100,
  batchActiveJobQuota: 10,
  aciDeletesPer5Min: 100,
  aciDeletesPerHour: 300,
  admissionTimeoutMs: 6 * 3_600_000,
  teardownWaitMs: 10 * 60_000,
};

export interface FastAppOptions {
  readonly script?: Script;
  readonly limits?: Partial<AdmissionLimits>;
  /** The app's telemetry (src/telemetry); default none: logs are kept in `logs` only. */
  readonly telemetry?: Telemetry;
}

export interface UntilOptions {
  /** What is awaited, for the failure message. */
  readonly what: string;
  /** Real-time bound. Default 45 s (under Jest's 60 s test timeout). */
  readonly timeoutMs?: number;
  /** Virtual-time bound from the call. Default 7 days. */
  readonly virtualMs?: number;
}

/**
 * The app keeps the activities it built on first use (src/functions/durable.ts) and the host loads the app
 * once per process, so the deps handed to it forward to the harness that is running now.
 */
let active: FastApp | undefined;
function current(): FastApp {
  if (!active) throw new Error('no FastApp is running');
  return active;
}

const forwardingActivities: ActivityDeps = {
  get store() {
    return current().store;
  },
  compute: (kind) => current().backend(kind),
  get limits() {
    return current().limits;
  },
  prices: { aciVcpuSecond: 0.0000125, aciGbSecond: 0.0000014, batchNodeHour: 0.1, currency: 'USD' },
  now: () => current().clock.now(),
  log: (line, level) => {
    current().logs.push(line);
    current().telemetry?.logger.line(line, level);
  },
  get tracer() {
    return current().telemetry?.tracer;
  },
  notifyStep: () => Promise.reject(new Error('the fast tier has no Batch monitor callbacks')),
};

const forwardingDeps: AppDeps = {
  config: { FLOTILLA_CALLBACK_SECRET: CALLBACK_SECRET, FLOTILLA_IMAGES_CONTAINER: 'images' },
  get store() {
    return current().store;
  },
  activities: forwardingActivities,
  backends: ['aci'],
  policy: {
    stepSecretPrefix: STEP_SECRET_PREFIX,
    stepSecretSettings: [],
    isReservedSetting: isReservedSettingName,
    keyVaultHosts: [],
    reservedContainers: [STATE_CONTAINER, 'pipelines'],
    resultsContainer: RESULTS_CONTAINER,
    imagesContainer: 'images',
  },
  now: () => current().clock.now(),
  get telemetry() {
    return current().telemetry;
  },
};

export class FastApp {
  readonly logs: string[] = [];

  private constructor(
    readonly host: Host,
    readonly clock: VirtualClock,
    readonly store: InMemoryBlobStore,
    readonly aci: FakeCompute,
    readonly limits: AdmissionLimits,
    private readonly stateDir: string,
    readonly telemetry: Telemetry | undefined,
  ) {}

  static async start(options: FastAppOptions = {}): Promise<FastApp> {
    if (active) throw new Error('a FastApp is already running: stop it first');
    const stateDir = mkdtempSync(join(memoryDir(), 'flotilla-fast-'));
    const clock = new VirtualClock();
    const store = new InMemoryBlobStore();
    const aci = new FakeCompute('aci', () => clock.now(), options.script ?? (() => exits(0)));
    setAppDeps(() => forwardingDeps);
    const host = await startHost({
      appDir,
      clock,
      stateDir,
      blobPollIntervalMs: false,
      // The sweeper runs only when a test invokes it.
      env: { FLOTILLA_TASK_HUB: 'fast', FLOTILLA_SWEEP_SCHEDULE: '0 0 0 1 1 *' },
      log: process.env.FAST_DEBUG ? (line: unknown) => console.log(line) : () => undefined,
    });
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    active = new FastApp(host, clock, store, aci, limits, stateDir, options.telemetry);
    return active;
  }

  backend(kind: string): FakeCompute {
    if (kind !== 'aci') throw new Error(`the fast tier has no ${kind} backend`);
    return this.aci;
  }

  async api<T = Record<string, unknown>>(
    name: string,
    call?: Parameters<Host['invokeHttp']>[1],
  ): Promise<{ status: number; body: T }> {
    const response = await this.host.invokeHttp(name, call);
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** POST /api/runs; returns the run id. */
  async startRun(body: Record<string, unknown>): Promise<string> {
    const started = await this.api<{ runId?: string }>('startRun', { body: JSON.stringify(body) });
    if (started.status !== 202 || !started.body.runId)
      throw new Error(`startRun answered ${started.status}: ${JSON.stringify(started.body)}`);
    return started.body.runId;
  }

  async run(runId: string): Promise<RunView> {
    const view = await this.api<RunView>('getRun', { params: { id: runId } });
    if (view.status !== 200) throw new Error(`getRun answered ${view.status}: ${JSON.stringify(view.body)}`);
    return view.body;
  }

  /** Skips time until the run orchestration has ended (read from the engine, cheaply); returns its view. */
  async runToEnd(runId: string, options: Partial<UntilOptions> = {}): Promise<RunView> {
    await this.until(
      () =>
        ['Completed', 'Failed', 'Terminated'].includes(
          this.host.engine.getStatus(runId)?.runtimeStatus ?? '',
        ),
      { what: `run ${runId} to end`, ...options },
    );
    return this.run(runId);
  }

  /** The image keys of a run, from the image list it wrote when it was accepted. */
  async imageKeys(runId: string): Promise<string[]> {
    const text = await this.store.getText(RESULTS_CONTAINER, runPaths.images(runId));
    return text ? (JSON.parse(text) as ImageList).images.map((i) => i.imageKey) : [];
  }

  /** The step's result in its image record (results/<runId>/<imageKey>/result.json). */
  async stepResult(runId: string, imageKey: string, step: string): Promise<StepResult> {
    const text = await this.store.getText(RESULTS_CONTAINER, runPaths.imageRecord(runId, imageKey));
    if (!text) throw new Error(`no image record for ${runId}/${imageKey}`);
    const found = (JSON.parse(text) as ImageRecord).steps.find((s) => s.step === step);
    if (!found) throw new Error(`image ${imageKey} of run ${runId} has no result for step ${step}`);
    return found;
  }

  /**
   * The phase a running step reports (`admission`, `waiting`, ...): in its lane's custom status when the
   * lane runs it inline, else in its step instance's.
   */
  stepPhase(runId: string, imageKey: string, step: string): string | undefined {
    const lanes = (this.host.engine.getStatus(runId)?.customStatus as RunCustomStatus | null)?.lanes ?? 0;
    for (let n = 0; n < lanes; n++) {
      const lane = this.host.engine.getStatus(instanceIds.lane(runId, n));
      const current = (lane?.customStatus as LaneCustomStatus | null | undefined)?.current;
      if (current?.imageKey === imageKey && current.step?.id === step) return current.step.phase;
    }
    const status = this.host.engine.getStatus(instanceIds.step(runId, imageKey, step));
    return (status?.customStatus as { phase?: string } | null | undefined)?.phase;
  }

  /** The admission ledger of the ACI backend as the activities left it. */
  async ledger(): Promise<Ledger | undefined> {
    return (await this.store.readManifest<Ledger>(STATE_CONTAINER, statePaths.ledger('aci')))?.value;
  }

  /** Runs the timer-triggered sweeper once (its schedule never fires on its own here). */
  async sweep(): Promise<void> {
    const result = await this.host.invokeTimer('sweeper');
    if (!result.ok) throw new Error(`the sweeper failed: ${result.error.message}`);
  }

  /** True when the engine has had nothing to do across a full turn of the event loop. */
  async quiet(): Promise<boolean> {
    for (let turn = 0; turn < 2; turn++) {
      if (!this.host.engine.idle()) return false;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return this.host.engine.idle();
  }

  /**
   * Waits until `done()` holds: while the engine works, in real time; when it is idle, by moving the clock
   * to the next armed timer. Fails naming `what` after `timeoutMs` of real time, past `virtualMs` of virtual
   * time, or at once when the engine is idle with no timer left to fire (nothing can change any more).
   */
  async until(done: () => boolean | Promise<boolean>, options: UntilOptions): Promise<void> {
    const { what, timeoutMs = 45_000, virtualMs = 7 * 24 * 60 * 60_000 } = options;
    const deadline = Date.now() + timeoutMs;
    const horizon = this.clock.now() + virtualMs;
    for (;;) {
      if (await done()) return;
      const at = () => `virtual time ${new Date(this.clock.now()).toISOString()}`;
      if (Date.now() > deadline)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${at()})`);
      if (!(await this.quiet())) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      if (await done()) return;
      const next = this.clock.pending()[0];
      if (next === undefined || next > horizon) {
        throw new Error(
          `${what} did not happen: the app is idle and no timer fires within ${virtualMs} ms of virtual time (${at()})`,
        );
      }
      await this.clock.advanceTo(next);
    }
  }

  /** Skips `ms` of virtual time, letting the app finish everything due on the way. */
  async skip(ms: number): Promise<void> {
    const target = this.clock.now() + ms;
    await this.until(
      async () =>
        this.clock.now() >= target ||
        ((await this.quiet()) && (this.clock.pending()[0] ?? Infinity) > target),
      { what: `${ms} ms of virtual time to pass`, virtualMs: ms },
    );
    await this.clock.advanceTo(target);
    await this.until(() => this.quiet(), { what: 'the engine to settle', virtualMs: 0 });
  }

  async stop(): Promise<void> {
    await this.host.stop();
    active = undefined;
    setAppDeps(undefined);
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}

/** The engine fdatasyncs its logs: on a memory file system (Linux /dev/shm) that costs nothing. */
function memoryDir(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}
