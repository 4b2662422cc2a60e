/**
 * In-memory state of one orchestration instance, and the records that persist it (docs/durable-engine.md,
 * 'Instances'). The log of an instance is a sequence of records; `applyRecord` rebuilds the state from them
 * after a restart.
 */
import type { RuntimeStatus } from '../contracts';
import type { RetryOptionsWire } from './actions';
import type { HttpRequestWire } from './http-call';
import { EventType, historyEvent, type FailureDetailsWire, type HistoryEvent } from './history';

export interface ParentRef {
  readonly instanceId: string;
  readonly executionId: string;
  readonly name: string;
  readonly taskId: number;
}

/** A task the engine owes the orchestrator a completion for, keyed by its task id. */
export interface PendingTask {
  readonly kind: 'activity' | 'suborch' | 'timer' | 'retryTimer' | 'http';
  /** Index of the leaf action this task serves. */
  readonly leaf: number;
  readonly name?: string;
  readonly input?: unknown;
  readonly childId?: string;
  readonly version?: string;
  readonly retry?: RetryOptionsWire;
  /** 1-based attempt of a retried task (for a retry-delay timer: the attempt that failed). */
  readonly attempt?: number;
  /** Whether the retried target is a sub-orchestration (retry timers only). */
  readonly retrySuborch?: boolean;
  /** Timers: when this slice fires (epoch ms). */
  readonly fireAt?: number;
  /** Timers: when the whole (possibly long) timer ends. */
  readonly finalAt?: number;
  /** callHttp: the request; for a poll timer, the poll request to send when it fires. */
  readonly request?: HttpRequestWire;
  /** A poll timer: the task id of the poll request it releases. */
  readonly thenHttp?: number;
}

export type Completion =
  | { readonly status: 'Completed'; readonly output: unknown }
  | {
      readonly status: 'Failed';
      readonly reason: string;
      readonly details: string;
      readonly failureDetails: FailureDetailsWire | null;
    };

export interface ExecutionInfo {
  readonly instanceId: string;
  readonly name: string;
  readonly version: string;
  readonly executionId: string;
  /** ExecutionStarted.Input: JSON text, or null. */
  readonly input: string | null;
  readonly createdTime: number;
  readonly parent?: ParentRef;
  readonly status: RuntimeStatus;
}

/** The small, whole state written with every episode. */
export interface Snapshot {
  readonly status: RuntimeStatus;
  readonly customStatus: unknown;
  readonly output: unknown;
  readonly lastUpdatedTime: number;
  readonly seq: number;
  readonly lastStamp: number;
  readonly completion?: Completion;
}

export interface InboxMessage {
  readonly q: number;
  readonly event: HistoryEvent;
}

export type LogRecord =
  | { readonly r: 'exec'; readonly x: ExecutionInfo }
  | { readonly r: 'msg'; readonly q: number; readonly e: HistoryEvent }
  | {
      readonly r: 'ep';
      /** Inbox messages consumed by this episode (by q). */
      readonly c: number[];
      readonly clear?: boolean;
      readonly h: HistoryEvent[];
      readonly s: Snapshot;
      readonly l: string[];
      readonly pa: [number, PendingTask][];
      readonly pd: number[];
    };

export interface Instance extends Omit<ExecutionInfo, 'status'> {
  status: RuntimeStatus;
  parent?: ParentRef;
  version: string;
  executionId: string;
  input: string | null;
  customStatus: unknown;
  output: unknown;
  lastUpdatedTime: number;
  history: HistoryEvent[];
  /** History events before this index are from earlier episodes (IsPlayed already set). */
  played: number;
  seq: number;
  leaves: string[];
  pending: Map<number, PendingTask>;
  inbox: InboxMessage[];
  nextQ: number;
  lastStamp: number;
  completion?: Completion;
}

export const TERMINAL: ReadonlySet<RuntimeStatus> = new Set([
  'Completed',
  'Failed',
  'Terminated',
  'Canceled',
]);

export function newInstance(x: ExecutionInfo): Instance {
  return {
    ...x,
    customStatus: null,
    output: null,
    lastUpdatedTime: x.createdTime,
    history: [],
    played: 0,
    seq: 0,
    leaves: [],
    pending: new Map(),
    inbox: [],
    nextQ: 1,
    lastStamp: 0,
  };
}

/** Resets the execution part of an instance for a new execution (start, replace, continue-as-new). */
export function resetExecution(inst: Instance, x: ExecutionInfo): void {
  Object.assign(inst, { ...x, customStatus: null, output: null, lastUpdatedTime: x.createdTime });
  inst.parent = x.parent;
  inst.history = [];
  inst.played = 0;
  inst.seq = 0;
  inst.leaves = [];
  inst.pending = new Map();
  inst.lastStamp = 0;
  inst.completion = undefined;
}

export function applySnapshot(inst: Instance, s: Snapshot): void {
  inst.status = s.status;
  inst.customStatus = s.customStatus;
  inst.output = s.output;
  inst.lastUpdatedTime = s.lastUpdatedTime;
  inst.seq = s.seq;
  inst.lastStamp = s.lastStamp;
  inst.completion = s.completion;
}

export function snapshot(inst: Instance): Snapshot {
  return {
    status: inst.status,
    customStatus: inst.customStatus,
    output: inst.output,
    lastUpdatedTime: inst.lastUpdatedTime,
    seq: inst.seq,
    lastStamp: inst.lastStamp,
    ...(inst.completion ? { completion: inst.completion } : {}),
  };
}

/** Rebuilds state from a log record (restart). Returns the instance (created by an `exec` record). */
export function applyRecord(inst: Instance | undefined, rec: LogRecord): Instance | undefined {
  if (rec.r === 'exec') {
    if (!inst) return newInstance(rec.x);
    resetExecution(inst, rec.x);
    inst.inbox = [];
    return inst;
  }
  if (!inst) return undefined;
  if (rec.r === 'msg') {
    inst.inbox.push({ q: rec.q, event: rec.e });
    inst.nextQ = Math.max(inst.nextQ, rec.q + 1);
    return inst;
  }
  if (rec.clear) inst.inbox = [];
  else if (rec.c.length > 0) {
    const consumed = new Set(rec.c);
    inst.inbox = inst.inbox.filter((m) => !consumed.has(m.q));
  }
  for (const e of rec.h) inst.history.push({ ...e, IsPlayed: true });
  inst.played = inst.history.length;
  inst.leaves.push(...rec.l);
  for (const id of rec.pd) inst.pending.delete(id);
  for (const [id, task] of rec.pa) inst.pending.set(id, task);
  applySnapshot(inst, rec.s);
  return inst;
}

/** The ExecutionStarted event of an instance's current execution. */
export function executionStartedEvent(inst: Instance, now: number): HistoryEvent {
  const p = inst.parent;
  return historyEvent(EventType.ExecutionStarted, now, {
    OrchestrationInstance: { InstanceId: inst.instanceId, ExecutionId: inst.executionId },
    ParentInstance: p
      ? {
          Name: p.name,
          Version: '',
          OrchestrationInstance: { InstanceId: p.instanceId, ExecutionId: p.executionId },
          TaskScheduleId: p.taskId,
        }
      : null,
    Name: inst.name,
    Version: inst.version,
    Input: inst.input,
    Tags: null,
    Correlation: null,
    ScheduledStartTime: null,
    Generation: 0,
  });
}
