/**
 * How an execution ends: completion, failure, termination; and suspension (docs/durable-engine.md,
 * 'Completion: the open-tasks rule' and 'Terminate, suspend and resume').
 */
import type { Delta } from './delta';
import type { EpisodeContext, EpisodeResult } from './episode-types';
import { EventType, historyEvent, type HistoryEvent } from './history';
import type { Instance } from './instance';
import { terminatedFailure } from './failures';

/** Marks the events of earlier episodes as played (docs/durable-engine.md, 'History events'). */
export function markPlayed(inst: Instance): void {
  for (let i = inst.played; i < inst.history.length; i++) inst.history[i]!.IsPlayed = true;
  inst.played = inst.history.length;
}

export function clearPending(inst: Instance, delta: Delta): void {
  for (const [id, task] of [...inst.pending]) {
    delta.remove(id);
    if (task.kind === 'timer' || task.kind === 'retryTimer') delta.effects.push({ k: 'cancelTimer', id });
  }
  delta.clear = true;
}

/** Ends the execution with `inst.completion` (Completed or Failed) and tells the parent. */
export function finalize(inst: Instance, delta: Delta, now: number): void {
  const done = inst.completion!;
  clearPending(inst, delta);
  inst.inbox = [];
  if (done.status === 'Completed') {
    const result = JSON.stringify(done.output ?? null);
    inst.history.push(
      historyEvent(EventType.ExecutionCompleted, now, { OrchestrationStatus: 1, Result: result }),
    );
    inst.output = done.output ?? null;
    if (inst.parent) {
      const event = historyEvent(EventType.SubOrchestrationInstanceCompleted, now, {
        TaskScheduledId: inst.parent.taskId,
        Result: result,
      });
      delta.effects.push({ k: 'notifyParent', parent: inst.parent, event });
    }
  } else {
    inst.history.push(
      historyEvent(EventType.ExecutionCompleted, now, {
        OrchestrationStatus: 3,
        Result: done.reason,
        FailureDetails: done.failureDetails,
      }),
    );
    inst.output = done.reason;
    if (inst.parent) {
      const event = historyEvent(EventType.SubOrchestrationInstanceFailed, now, {
        TaskScheduledId: inst.parent.taskId,
        Reason: done.reason,
        Details: done.details,
        FailureDetails: done.failureDetails,
      });
      delta.effects.push({ k: 'notifyParent', parent: inst.parent, event });
    }
  }
  inst.history.push(historyEvent(EventType.OrchestratorCompleted, now));
  inst.status = done.status;
}

export function terminateNow(
  inst: Instance,
  ctx: EpisodeContext,
  delta: Delta,
  event: HistoryEvent,
): EpisodeResult {
  const now = Math.max(ctx.now(), inst.lastStamp);
  const reason = typeof event.Input === 'string' ? event.Input : '';
  markPlayed(inst);
  inst.history.push(
    historyEvent(EventType.OrchestratorStarted, now),
    event,
    historyEvent(EventType.ExecutionCompleted, now, { OrchestrationStatus: 5, Result: reason }),
    historyEvent(EventType.OrchestratorCompleted, now),
  );
  clearPending(inst, delta);
  inst.inbox = [];
  inst.status = 'Terminated';
  inst.completion = undefined;
  inst.output = parseReason(reason);
  inst.lastStamp = now;
  inst.lastUpdatedTime = now;
  if (inst.parent) {
    const failure = terminatedFailure(inst.name, inst.instanceId, reason);
    const ev = historyEvent(EventType.SubOrchestrationInstanceFailed, now, {
      TaskScheduledId: inst.parent.taskId,
      Reason: failure.reason,
      Details: failure.details,
      FailureDetails: null,
    });
    delta.effects.push({ k: 'notifyParent', parent: inst.parent, event: ev });
  }
  return { record: delta.record(), effects: delta.effects, replayed: 0 };
}

export function suspendNow(inst: Instance, ctx: EpisodeContext, delta: Delta): EpisodeResult {
  const message = inst.inbox[0]!;
  const now = Math.max(ctx.now(), inst.lastStamp);
  delta.consumed.push(message.q);
  markPlayed(inst);
  inst.history.push(
    historyEvent(EventType.OrchestratorStarted, now),
    message.event,
    historyEvent(EventType.OrchestratorCompleted, now),
  );
  inst.status = 'Suspended';
  inst.lastStamp = now;
  inst.lastUpdatedTime = now;
  return { record: delta.record(), effects: [], replayed: 0 };
}

/** A terminate reason becomes the output: parsed as JSON when it parses, else the raw text. */
export function parseReason(reason: string): unknown {
  try {
    return JSON.parse(reason) as unknown;
  } catch {
    return reason;
  }
}
