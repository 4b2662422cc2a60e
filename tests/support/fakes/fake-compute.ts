/**
 * An in-memory ComputeBackend (src/compute/port.ts) for the fast tier. Each started attempt follows a
 * StepScript on the harness's clock (pending while it provisions, running, then exited or hung forever), and
 * any operation can be told to fail its next calls (throttling, server errors). Every call and every
 * resource's life is recorded for assertions.
 */
import { AdapterError } from '../../../src/adapters/errors';
import type {
  BackendKind,
  ComputeBackend,
  ManagedResource,
  RunPoll,
  StartResult,
  StepLaunch,
  StepRef,
  StepStatus,
} from '../../../src/compute/port';

/** What one attempt does once started, in virtual time. */
export interface StepScript {
  /** Pending this long after start (default 1 s). */
  readonly provisionMs?: number;
  /** Runs this long, or forever (a hung container). */
  readonly runMs: number | 'forever';
  readonly exitCode: number;
  readonly reason?: string;
}

export type Script = (launch: StepLaunch) => StepScript;

export type FakeOperation =
  'start' | 'status' | 'saveLogs' | 'keep' | 'deferRelease' | 'release' | 'deleteManaged';

export interface FakeResource {
  readonly name: string;
  readonly launch: StepLaunch;
  readonly script: StepScript;
  readonly startedAt: number;
  expiresAt: string;
  keptUntil?: string;
  /** Successful release() calls while it existed (a repeated release of a gone resource is not counted). */
  releases: number;
  /** Deleted by the sweeper (deleteManaged). */
  swept: boolean;
}

export interface FakeCall {
  readonly op: FakeOperation | 'pollRun' | 'finishRun' | 'listManaged';
  readonly name?: string;
  readonly at: number;
  readonly failed?: string;
}

const EXPIRY_MARGIN_MS = 30 * 60_000;

export function resourceName(ref: StepRef): string {
  return `fl-${ref.runId}-${ref.imageKey}-${ref.step}-${ref.attempt}`.toLowerCase();
}

/** A throttling answer as the adapters raise it (transient: the durable retry policy retries it). */
export function throttled(op: string, service: 'aci' | 'batch' = 'aci'): AdapterError {
  return new AdapterError(
    'THROTTLED',
    'transient',
    `${op}: too many requests (429)`,
    { service, operation: op },
    {
      status: 429,
      retryAfterMs: 1000,
    },
  );
}

export class FakeCompute implements ComputeBackend {
  readonly calls: FakeCall[] = [];
  private readonly resources = new Map<string, FakeResource>();
  private readonly failures = new Map<FakeOperation, Error[]>();

  constructor(
    readonly kind: BackendKind,
    private readonly now: () => number,
    private script: Script,
  ) {}

  /** Replaces the script for attempts started from now on. */
  setScript(script: Script): void {
    this.script = script;
  }

  /** The next calls of `op` fail with these errors, one each, in order. */
  failNext(op: FakeOperation, ...errors: Error[]): void {
    this.failures.set(op, [...(this.failures.get(op) ?? []), ...errors]);
  }

  /** Every resource ever started, in start order. */
  all(): FakeResource[] {
    return [...this.resources.values()];
  }

  /** Resources not released or swept yet. */
  live(): FakeResource[] {
    return this.all().filter((r) => r.releases === 0 && !r.swept);
  }

  resource(ref: StepRef): FakeResource | undefined {
    return this.resources.get(resourceName(ref));
  }

  count(op: FakeCall['op'], options: { failed?: boolean } = {}): number {
    return this.calls.filter(
      (c) => c.op === op && (options.failed === undefined || (c.failed !== undefined) === options.failed),
    ).length;
  }

  start(launches: readonly StepLaunch[]): Promise<StartResult[]> {
    return this.run('start', undefined, () =>
      launches.map((launch) => {
        const name = resourceName(launch);
        const existing = this.resources.get(name);
        if (!existing) {
          const startedAt = this.now();
          this.resources.set(name, {
            name,
            launch,
            script: this.script(launch),
            startedAt,
            expiresAt: new Date(startedAt + launch.timeoutMs + EXPIRY_MARGIN_MS).toISOString(),
            releases: 0,
            swept: false,
          });
        }
        return { ...refOf(launch), resource: name, created: !existing };
      }),
    );
  }

  status(ref: StepRef): Promise<StepStatus> {
    return this.run('status', resourceName(ref), () => statusAt(this.existing(ref, 'status'), this.now()));
  }

  pollRun(_runId: string, watermark?: string): Promise<RunPoll> {
    this.calls.push({ op: 'pollRun', at: this.now() });
    return Promise.resolve({ completed: [], watermark: watermark ?? '0' });
  }

  saveLogs(launch: Pick<StepLaunch, keyof StepRef | 'logs'>): Promise<string[]> {
    return this.run('saveLogs', resourceName(launch), () => {
      const resource = this.existing(launch, 'saveLogs');
      return [`${launch.logs.prefix}/${resource.name}.log`];
    });
  }

  keep(ref: StepRef, keepUntil: string): Promise<void> {
    return this.run('keep', resourceName(ref), () => {
      const resource = this.existing(ref, 'keep');
      resource.keptUntil = keepUntil;
      resource.expiresAt = keepUntil;
    });
  }

  /** Whole vCPUs of the step, as a container group without a sidecar would hold them. */
  admissionCores(step: { readonly cpu: number }): number {
    return step.cpu;
  }

  /** Hands the resource to the sweeper: it expires now, and the next sweep deletes it. */
  deferRelease(ref: StepRef): Promise<void> {
    return this.run('deferRelease', resourceName(ref), () => {
      const resource = this.existing(ref, 'deferRelease');
      resource.expiresAt = new Date(this.now()).toISOString();
    });
  }

  release(ref: StepRef): Promise<void> {
    return this.run('release', resourceName(ref), () => {
      const resource = this.resources.get(resourceName(ref));
      if (resource && resource.releases === 0 && !resource.swept) resource.releases += 1;
    });
  }

  finishRun(): Promise<void> {
    this.calls.push({ op: 'finishRun', at: this.now() });
    return Promise.resolve();
  }

  listManaged(): Promise<ManagedResource[]> {
    this.calls.push({ op: 'listManaged', at: this.now() });
    return Promise.resolve(
      this.live().map((r) => ({
        backend: this.kind,
        name: r.name,
        runId: r.launch.runId,
        image: r.launch.imageKey,
        step: r.launch.step,
        attempt: r.launch.attempt,
        expiresAt: r.expiresAt,
      })),
    );
  }

  deleteManaged(resource: ManagedResource): Promise<void> {
    return this.run('deleteManaged', resource.name, () => {
      const found = this.resources.get(resource.name);
      if (found) found.swept = true;
    });
  }

  private existing(ref: StepRef, op: string): FakeResource {
    const resource = this.resources.get(resourceName(ref));
    if (!resource || resource.releases > 0 || resource.swept) {
      throw new AdapterError('NOT_FOUND', 'permanent', `${op}: ${resourceName(ref)} does not exist`, {
        service: this.kind,
        operation: op,
      });
    }
    return resource;
  }

  private run<T>(op: FakeOperation, name: string | undefined, fn: () => T): Promise<T> {
    const failure = this.failures.get(op)?.shift();
    const at = this.now();
    if (failure) {
      this.calls.push({ op, at, failed: failure.message, ...(name ? { name } : {}) });
      return Promise.reject(failure);
    }
    try {
      const value = fn();
      this.calls.push({ op, at, ...(name ? { name } : {}) });
      return Promise.resolve(value);
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(String(thrown));
      this.calls.push({ op, at, failed: error.message, ...(name ? { name } : {}) });
      return Promise.reject(error);
    }
  }
}

function refOf(ref: StepRef): StepRef {
  return { runId: ref.runId, imageKey: ref.imageKey, step: ref.step, attempt: ref.attempt };
}

function statusAt(resource: FakeResource, now: number): StepStatus {
  const { script, startedAt } = resource;
  const runningAt = startedAt + (script.provisionMs ?? 1000);
  if (now < runningAt) return { state: 'pending' };
  const started = { startedAt: new Date(runningAt).toISOString() };
  if (script.runMs === 'forever' || now < runningAt + script.runMs) return { state: 'running', ...started };
  return {
    state: script.exitCode === 0 ? 'succeeded' : 'failed',
    exitCode: script.exitCode,
    ...started,
    finishedAt: new Date(runningAt + script.runMs).toISOString(),
    ...(script.reason ? { reason: script.reason } : {}),
  };
}
