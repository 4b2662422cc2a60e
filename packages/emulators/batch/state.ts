import { UsageMeter } from '../common/meter';
import type { Clock } from '../common/clock';
import type { FaultInjector } from '../common/faults';
import type { JobRecord, PoolRecord, TaskRecord } from './model';
import { Timeline } from './timeline';

/** What a simulated task does: no process, it ends after `durationMs` with `exitCode`. */
export interface SimulatedTaskPlan {
  readonly durationMs: number;
  readonly exitCode: number;
  readonly stdout?: string;
  readonly stderr?: string;
}

export interface SimulatedTaskInfo {
  readonly jobId: string;
  readonly taskId: string;
  readonly commandLine: string;
  readonly imageName?: string;
  /** 0 for the first run; retries and requeues count up. */
  readonly attempt: number;
}

export interface EmulatorSettings {
  readonly account: string;
  readonly mode: 'process' | 'simulate' | 'container';
  readonly simulate: (task: SimulatedTaskInfo) => SimulatedTaskPlan;
  readonly workRoot: string;
  readonly activeJobQuota: number;
  readonly poolQuota: number;
  readonly schedulingDelayMs: number;
  /** Overrides every pool's autoscale evaluation interval (ms of the clock). */
  readonly autoScaleIntervalMs?: number;
  /** How long a deleted job or pool stays `deleting` before it is gone. */
  readonly deleteDelayMs: number;
  /** Image name (with or without tag) -> container path -> host folder, mounted into every task of that image. */
  readonly imageMounts: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly processEnv: Readonly<Record<string, string>>;
}

/** A FIFO that does not shift arrays (simulate mode queues tens of thousands of tasks). */
export class TaskQueue {
  private items: (TaskRecord | undefined)[] = [];
  private head = 0;

  push(task: TaskRecord): void {
    this.items.push(task);
  }

  peek(): TaskRecord | undefined {
    return this.items[this.head];
  }

  shift(): TaskRecord | undefined {
    const task = this.items[this.head];
    this.items[this.head] = undefined;
    this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return task;
  }

  get length(): number {
    return this.items.length - this.head;
  }
}

/** Everything the emulator holds. Reset clears it. */
export class BatchState {
  readonly pools = new Map<string, PoolRecord>();
  readonly jobs = new Map<string, JobRecord>();
  readonly queues = new Map<string, TaskQueue>();
  readonly timeline: Timeline;
  /** Starts queued tasks of a pool that gained nodes (set to the scheduler's pump at start). */
  pumpPool: (poolId: string) => void = () => undefined;
  /** Run time of every task attempt that ended (what its node time was used for). */
  readonly meter = new UsageMeter();
  private seq = 0;
  private attemptToken = 0;

  constructor(
    readonly clock: Clock,
    readonly settings: EmulatorSettings,
    readonly faults: FaultInjector,
  ) {
    this.timeline = new Timeline(clock);
  }

  now(): number {
    return this.clock.now();
  }

  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  nextAttemptToken(): number {
    this.attemptToken += 1;
    return this.attemptToken;
  }

  queue(poolId: string): TaskQueue {
    let queue = this.queues.get(poolId);
    if (!queue) {
      queue = new TaskQueue();
      this.queues.set(poolId, queue);
    }
    return queue;
  }

  activeJobCount(): number {
    let n = 0;
    for (const job of this.jobs.values()) if (job.state !== 'completed') n += 1;
    return n;
  }
}
