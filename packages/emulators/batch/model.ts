import type { StepRun } from '../common/executor';

/** Wire bodies are kept as received (the SDK already serialized them); the emulator reads what it needs. */
export type Json = Record<string, unknown>;

export type TaskState = 'active' | 'preparing' | 'running' | 'completed';
export type JobState =
  'active' | 'disabling' | 'disabled' | 'enabling' | 'terminating' | 'completed' | 'deleting';

export interface FailureInfo {
  readonly category: 'usererror' | 'servererror';
  readonly code: string;
  readonly message: string;
  readonly details?: readonly { name: string; value: string }[];
}

export interface TaskExecution {
  startTime?: number;
  endTime?: number;
  exitCode?: number;
  result?: 'success' | 'failure';
  retryCount: number;
  requeueCount: number;
  lastRetryTime?: number;
  lastRequeueTime?: number;
  failureInfo?: FailureInfo;
}

/** One attempt in progress. Cleared when the attempt ends. */
export interface Attempt {
  readonly nodeId: string;
  /** Bumped on every attempt so late callbacks of an abandoned attempt are ignored. */
  readonly token: number;
  run?: StepRun;
  cancels: (() => void)[];
}

/** Per-task state, kept compact: simulate mode holds tens of thousands of these. */
export interface TaskRecord {
  readonly seq: number;
  readonly id: string;
  readonly job: JobRecord;
  readonly spec: Json;
  state: TaskState;
  previousState?: TaskState;
  creationTime: number;
  stateTransitionTime: number;
  previousStateTransitionTime?: number;
  lastModified: number;
  eTag: string;
  exec: TaskExecution;
  /** The node the task last ran on (kept after completion for nodeInfo and files). */
  nodeId?: string;
  /** Dependencies not yet satisfied; the task is runnable at 0. */
  pendingDeps: number;
  /** A dependency failed (dependencyAction block): never runs. */
  blocked: boolean;
  /** Waiting in a pool queue or for its scheduling delay. */
  queued: boolean;
  attempt?: Attempt;
  /** Simulate mode: the attempt's configured output. */
  simulatedStdout?: string;
  simulatedStderr?: string;
}

export interface TaskCounts {
  active: number;
  running: number;
  completed: number;
  succeeded: number;
  failed: number;
}

export interface JobRecord {
  readonly seq: number;
  readonly id: string;
  readonly spec: Json;
  state: JobState;
  previousState?: JobState;
  creationTime: number;
  stateTransitionTime: number;
  previousStateTransitionTime?: number;
  lastModified: number;
  eTag: string;
  poolId: string;
  onAllTasksComplete: string;
  onTaskFailure: string;
  priority: number;
  endTime?: number;
  terminateReason?: string;
  metadata?: unknown;
  constraints?: Json;
  readonly tasks: Map<string, TaskRecord>;
  readonly counts: TaskCounts;
  /** dependency task id -> tasks waiting on it. */
  readonly dependents: Map<string, TaskRecord[]>;
  /** Ids of tasks that completed and satisfy their dependents / block them. */
  readonly satisfied: Set<string>;
  readonly blocking: Set<string>;
  cancelWallClock?: () => void;
}

export interface PoolRecord {
  readonly seq: number;
  readonly id: string;
  spec: Json;
  state: 'active' | 'deleting';
  creationTime: number;
  stateTransitionTime: number;
  lastModified: number;
  eTag: string;
  enableAutoScale: boolean;
  autoScaleFormula?: string;
  autoScaleEvaluationInterval?: string;
  autoScaleRunAt?: number;
  targetDedicatedNodes: number;
  targetLowPriorityNodes: number;
  taskSlotsPerNode: number;
  /** Slots in use per node index. */
  readonly busy: number[];
  lastEnableAutoScale?: number;
}

let etagCounter = 0;
/** Opaque, unquoted hex as Batch sends it; changes on every mutation. */
export function newETag(): string {
  etagCounter += 1;
  return `0x8DE${etagCounter.toString(16).toUpperCase().padStart(13, '0')}`;
}

export const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

export function nodeIdFor(poolId: string, index: number): string {
  const safe = poolId
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 20)
    .toLowerCase();
  return `tvmps_${safe}_${String(index).padStart(4, '0')}`;
}

export function setTaskState(task: TaskRecord, state: TaskState, now: number): void {
  const counts = task.job.counts;
  countTask(counts, task, -1);
  task.previousState = task.state;
  task.previousStateTransitionTime = task.stateTransitionTime;
  task.state = state;
  task.stateTransitionTime = now;
  task.lastModified = now;
  task.eTag = newETag();
  countTask(counts, task, 1);
}

export function countTask(counts: TaskCounts, task: TaskRecord, delta: 1 | -1): void {
  if (task.state === 'active') counts.active += delta;
  else if (task.state === 'completed') {
    counts.completed += delta;
    if (task.exec.result === 'success') counts.succeeded += delta;
    else counts.failed += delta;
  } else counts.running += delta;
}
