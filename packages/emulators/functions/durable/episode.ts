/**
 * One orchestration episode (docs/durable-engine.md, 'How it works' and 'Task ids'): pick a batch from the
 * inbox (the batching rule), append it to history, allocate follow-up task ids, replay the orchestrator,
 * allocate ids for its new actions, apply timer cancellations and decide completion by the open-tasks rule.
 * It mutates the instance and returns the log record plus the side effects the engine must carry out once
 * that record is durable.
 */
import { ActionType, ActionTypeName, flattenLeaves, leafKey, type Action } from './actions';
import { Delta } from './delta';
import { clearPending, finalize, markPlayed, suspendNow, terminateNow } from './episode-end';
import type { EpisodeContext, EpisodeResult } from './episode-types';
import { failureFromOutcome, nonDeterministic, unsupportedAction } from './failures';
import { EventType, completionId, historyEvent, isFailureEvent, iso, type HistoryEvent } from './history';
import type { Completion, Instance, PendingTask } from './instance';
import { HTTP_ACTIVITY, pollAfter, type HttpRequestWire } from './http-call';
import { retryDelayMs, sliceFireAt } from './timing';
import { entityEffects } from './entity-actions';

export type { EpisodeContext, EpisodeResult, SideEffect } from './episode-types';
export { parseReason } from './episode-end';

function isTrigger(task: PendingTask, event: HistoryEvent): boolean {
  if (task.kind === 'retryTimer') return true;
  if (task.kind === 'http') return pollAfter(task.request ?? {}, event) !== undefined;
  if (task.retry && isFailureEvent(event)) return true;
  return task.kind === 'timer' && (task.finalAt ?? 0) > (task.fireAt ?? 0);
}

export async function runEpisode(inst: Instance, ctx: EpisodeContext): Promise<EpisodeResult | undefined> {
  const delta = new Delta(inst);
  const terminate = inst.inbox.find((m) => m.event.EventType === EventType.ExecutionTerminated);
  if (terminate) return terminateNow(inst, ctx, delta, terminate.event);

  let resumed: HistoryEvent | undefined;
  if (inst.status === 'Suspended') {
    const at = inst.inbox.findIndex((m) => m.event.EventType === EventType.ExecutionResumed);
    if (at < 0) return undefined;
    for (const m of inst.inbox.slice(0, at + 1)) {
      const type = m.event.EventType;
      if (type === EventType.ExecutionSuspended || type === EventType.ExecutionResumed)
        delta.consumed.push(m.q);
    }
    resumed = inst.inbox[at]!.event;
  } else if (inst.inbox[0]?.event.EventType === EventType.ExecutionSuspended) {
    return suspendNow(inst, ctx, delta);
  }

  const batch = selectBatch(inst, delta);
  if (batch.length === 0 && !resumed) {
    return delta.consumed.length > 0 ? { record: delta.record(), effects: [], replayed: 0 } : undefined;
  }

  let now = Math.max(ctx.now(), inst.lastStamp);
  for (const e of batch)
    if (e.EventType === EventType.TimerFired) now = Math.max(now, Date.parse(e.FireAt as string));
  markPlayed(inst);
  inst.history.push(historyEvent(EventType.OrchestratorStarted, now));
  if (resumed) inst.history.push(resumed);
  inst.history.push(...batch);
  inst.lastStamp = now;
  inst.lastUpdatedTime = now;
  if (inst.status !== 'Running') inst.status = 'Running';

  const scheduled: HistoryEvent[] = [];
  for (const event of batch) {
    const id = completionId(event);
    if (id === undefined) continue;
    const task = inst.pending.get(id)!;
    delta.remove(id);
    followUp(inst, ctx, delta, scheduled, task, event, now);
  }

  if (batch.length === 0) {
    inst.history.push(...scheduled, historyEvent(EventType.OrchestratorCompleted, now));
    return { record: delta.record(), effects: delta.effects, replayed: 0 };
  }

  const replayed = inst.history.length;
  const outcome = await ctx.invokeOrchestrator(inst);
  const state = outcome.state;
  let failure: Completion | undefined;
  let continueAsNew: { input: string } | undefined;
  if (state) {
    inst.customStatus = state.customStatus ?? null;
    const leaves = flattenLeaves(state.actions[0] ?? []);
    const known = Math.min(inst.leaves.length, leaves.length);
    for (let i = 0; i < known; i++) {
      if (leafKey(leaves[i]!) !== inst.leaves[i]) {
        failure = nonDeterministic(inst.name, i, inst.leaves[i]!, leafKey(leaves[i]!));
        break;
      }
    }
    for (let i = inst.leaves.length; !failure && i < leaves.length; i++) {
      const leaf = leaves[i]!;
      inst.leaves.push(leafKey(leaf));
      if (leaf.actionType === ActionType.ContinueAsNew) {
        continueAsNew = { input: JSON.stringify(leaf.input ?? null) };
        break;
      }
      failure = allocate(inst, ctx, delta, scheduled, leaves, i, now);
    }
    if (!failure) cancelTimers(inst, delta, leaves);
  }
  inst.history.push(...scheduled);

  if (!failure && !continueAsNew) {
    if (outcome.kind === 'failed') inst.completion = failureFromOutcome(inst.name, outcome);
    else if (state?.isDone) inst.completion = { status: 'Completed', output: state.output ?? null };
  }
  if (failure) {
    inst.completion = failure;
    finalize(inst, delta, now);
  } else if (continueAsNew) {
    inst.history.push(
      historyEvent(EventType.ExecutionCompleted, now, {
        OrchestrationStatus: 2,
        Result: continueAsNew.input,
      }),
    );
    clearPending(inst, delta);
  } else if (inst.completion && inst.pending.size === 0) {
    finalize(inst, delta, now);
  } else {
    inst.history.push(historyEvent(EventType.OrchestratorCompleted, now));
  }
  return { record: delta.record(), effects: delta.effects, continueAsNew, replayed };
}

function httpScheduled(id: number, request: HttpRequestWire, now: number): HistoryEvent {
  const input = JSON.stringify([{ method: request.method, uri: request.uri }]);
  return historyEvent(EventType.TaskScheduled, now, {
    EventId: id,
    Name: HTTP_ACTIVITY,
    Version: '',
    Input: input,
  });
}

function selectBatch(inst: Instance, delta: Delta): HistoryEvent[] {
  const batch: HistoryEvent[] = [];
  const taken = new Set<number>();
  const consumed = new Set(delta.consumed);
  for (const m of inst.inbox) {
    if (consumed.has(m.q)) continue;
    const e = m.event;
    if (e.EventType === EventType.ExecutionSuspended) break;
    if (e.EventType === EventType.ExecutionResumed) {
      delta.consumed.push(m.q);
      continue;
    }
    const id = completionId(e);
    if (id !== undefined) {
      const task = inst.pending.get(id);
      if (!task || taken.has(id)) {
        delta.consumed.push(m.q);
        continue;
      }
      if (isTrigger(task, e) && batch.length > 0) break;
      taken.add(id);
    }
    batch.push(e);
    delta.consumed.push(m.q);
  }
  return batch;
}

function followUp(
  inst: Instance,
  ctx: EpisodeContext,
  delta: Delta,
  scheduled: HistoryEvent[],
  task: PendingTask,
  event: HistoryEvent,
  now: number,
): void {
  const retry = task.retry;
  if (retry && task.kind !== 'retryTimer' && isFailureEvent(event)) {
    const attempt = task.attempt ?? 1;
    const fireAt = now + (attempt < retry.maxNumberOfAttempts ? retryDelayMs(retry, attempt) : 0);
    const id = inst.seq++;
    delta.add(id, { ...task, kind: 'retryTimer', attempt, fireAt, retrySuborch: task.kind === 'suborch' });
    scheduled.push(historyEvent(EventType.TimerCreated, now, { EventId: id, FireAt: iso(fireAt) }));
    delta.effects.push({ k: 'timer', id, fireAt });
  } else if (task.kind === 'retryTimer' && retry && (task.attempt ?? 1) < retry.maxNumberOfAttempts) {
    const id = inst.seq++;
    const next: PendingTask = {
      ...task,
      kind: task.retrySuborch ? 'suborch' : 'activity',
      attempt: (task.attempt ?? 1) + 1,
    };
    scheduleTask(inst, delta, scheduled, id, next, now);
  } else if (task.kind === 'http' && pollAfter(task.request ?? {}, event)) {
    const { poll, delayMs } = pollAfter(task.request ?? {}, event)!;
    const timerId = inst.seq++;
    const pollId = inst.seq++;
    const fireAt = now + delayMs;
    delta.add(timerId, {
      kind: 'timer',
      leaf: task.leaf,
      fireAt,
      finalAt: fireAt,
      request: poll,
      thenHttp: pollId,
    });
    delta.add(pollId, { kind: 'http', leaf: task.leaf, request: poll });
    scheduled.push(historyEvent(EventType.TimerCreated, now, { EventId: timerId, FireAt: iso(fireAt) }));
    scheduled.push(httpScheduled(pollId, poll, now));
    delta.effects.push({ k: 'timer', id: timerId, fireAt });
  } else if (task.kind === 'timer' && task.thenHttp !== undefined && task.request) {
    delta.effects.push({ k: 'http', id: task.thenHttp, request: task.request });
  } else if (task.kind === 'timer' && task.finalAt !== undefined && task.finalAt > now) {
    const id = inst.seq++;
    const fireAt = sliceFireAt(task.finalAt, now, ctx.timers);
    delta.add(id, { ...task, fireAt });
    scheduled.push(historyEvent(EventType.TimerCreated, now, { EventId: id, FireAt: iso(fireAt) }));
    delta.effects.push({ k: 'timer', id, fireAt });
  }
}

/** Appends the scheduling event for an activity or sub-orchestration attempt and queues its side effect. */
function scheduleTask(
  inst: Instance,
  delta: Delta,
  scheduled: HistoryEvent[],
  id: number,
  task: PendingTask,
  now: number,
): void {
  const name = task.name ?? '';
  if (task.kind === 'activity') {
    delta.add(id, task);
    scheduled.push(
      historyEvent(EventType.TaskScheduled, now, {
        EventId: id,
        Name: name,
        Version: '',
        Input: JSON.stringify([task.input ?? null]),
      }),
    );
    delta.effects.push({ k: 'activity', id, name, input: task.input });
    return;
  }
  const explicit =
    task.childId && !task.childId.startsWith(`${inst.executionId}:`) ? task.childId : undefined;
  const childId = explicit ?? `${inst.executionId}:${id}`;
  delta.add(id, { ...task, childId });
  const version = task.version ?? '';
  scheduled.push(
    historyEvent(EventType.SubOrchestrationInstanceCreated, now, {
      EventId: id,
      Name: name,
      Version: version,
      InstanceId: childId,
      Input: JSON.stringify(task.input ?? null),
    }),
  );
  delta.effects.push({ k: 'child', id, childId, name, version, input: task.input });
}

function allocate(
  inst: Instance,
  ctx: EpisodeContext,
  delta: Delta,
  scheduled: HistoryEvent[],
  leaves: readonly Action[],
  index: number,
  now: number,
): Completion | undefined {
  const leaf = leaves[index]!;
  switch (leaf.actionType) {
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry:
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry: {
      const activity = leaf.actionType <= ActionType.CallActivityWithRetry;
      const task: PendingTask = {
        kind: activity ? 'activity' : 'suborch',
        leaf: index,
        name: leaf.functionName ?? '',
        input: leaf.input,
        ...(leaf.retryOptions ? { retry: leaf.retryOptions, attempt: 1 } : {}),
        ...(leaf.instanceId ? { childId: leaf.instanceId } : {}),
        ...(leaf.version ? { version: leaf.version } : {}),
      };
      scheduleTask(inst, delta, scheduled, inst.seq++, task, now);
      return undefined;
    }
    case ActionType.CreateTimer: {
      const id = inst.seq++;
      const finalAt = Date.parse(leaf.fireAt ?? '');
      const fireAt = sliceFireAt(finalAt, now, ctx.timers);
      delta.add(id, { kind: 'timer', leaf: index, fireAt, finalAt });
      scheduled.push(historyEvent(EventType.TimerCreated, now, { EventId: id, FireAt: iso(fireAt) }));
      delta.effects.push({ k: 'timer', id, fireAt });
      return undefined;
    }
    case ActionType.WaitForExternalEvent:
      return undefined;
    case ActionType.CallHttp: {
      const id = inst.seq++;
      const request = (leaf.httpRequest ?? {}) as HttpRequestWire;
      delta.add(id, { kind: 'http', leaf: index, request });
      scheduled.push(httpScheduled(id, request, now));
      delta.effects.push({ k: 'http', id, request });
      return undefined;
    }
    case ActionType.CallEntity:
    case ActionType.SignalEntity:
    case ActionType.LockEntities:
    case ActionType.ReleaseEntities:
      entityEffects(inst, delta, scheduled, leaves, index, now);
      return undefined;
    default:
      return unsupportedAction(inst.name, ActionTypeName[leaf.actionType] ?? `#${leaf.actionType}`);
  }
}

function cancelTimers(inst: Instance, delta: Delta, leaves: readonly Action[]): void {
  const canceled = new Set<number>();
  leaves.forEach((leaf, i) => {
    if (leaf.actionType === ActionType.CreateTimer && leaf.isCanceled) canceled.add(i);
  });
  if (canceled.size === 0) return;
  for (const [id, task] of inst.pending) {
    if (task.kind === 'timer' && canceled.has(task.leaf)) {
      delta.remove(id);
      delta.effects.push({ k: 'cancelTimer', id });
    }
  }
}
