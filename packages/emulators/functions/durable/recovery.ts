/**
 * Restart (docs/durable-engine.md, 'Restart and at-least-once work'): after the logs are loaded, every
 * unfinished instance gets its owed work back. Activities whose completion was not persisted run again
 * (at-least-once), timers are re-armed (past ones fire at once), missing sub-orchestrations are created and
 * finished ones re-notify their parent.
 */
import type { DurableEngine } from './engine';
import { EventType, completionId, historyEvent } from './history';
import { TERMINAL, type Instance } from './instance';

export function recoverInstance(inst: Instance, engine: DurableEngine): void {
  const delivered = new Set<number>();
  for (const m of inst.inbox) {
    const id = completionId(m.event);
    if (id !== undefined) delivered.add(id);
  }
  for (const [id, task] of inst.pending) {
    if (delivered.has(id)) continue;
    if (task.kind === 'timer' || task.kind === 'retryTimer') {
      engine.apply(inst, { k: 'timer', id, fireAt: task.fireAt ?? engine.now() });
    } else if (task.kind === 'http') {
      const waitsForTimer = [...inst.pending.values()].some((t) => t.thenHttp === id);
      if (!waitsForTimer) engine.apply(inst, { k: 'http', id, request: task.request ?? {} });
    } else if (task.kind === 'activity') {
      engine.apply(inst, { k: 'activity', id, name: task.name ?? '', input: task.input });
    } else {
      recoverChild(engine, inst, id, task.childId ?? '', task.name ?? '', task.version ?? '', task.input);
    }
  }
  if (inst.inbox.length > 0) engine.schedule(inst.instanceId);
}

function recoverChild(
  engine: DurableEngine,
  parent: Instance,
  id: number,
  childId: string,
  name: string,
  version: string,
  input: unknown,
): void {
  const child = engine.lookupSync(childId);
  const ours = child?.parent?.instanceId === parent.instanceId && child.parent.taskId === id;
  if (!child || !ours) {
    engine.apply(parent, { k: 'child', id, childId, name, version, input });
    return;
  }
  if (!TERMINAL.has(child.status)) return;
  const last = child.history.find((e) => e.EventType === EventType.ExecutionCompleted);
  const now = engine.now();
  const event =
    child.status === 'Completed'
      ? historyEvent(EventType.SubOrchestrationInstanceCompleted, now, {
          TaskScheduledId: id,
          Result: JSON.stringify(child.output ?? null),
        })
      : historyEvent(EventType.SubOrchestrationInstanceFailed, now, {
          TaskScheduledId: id,
          Reason: typeof child.output === 'string' ? child.output : JSON.stringify(child.output),
          Details: JSON.stringify({ Message: 'recovered after restart' }),
          FailureDetails: last?.FailureDetails ?? null,
        });
  engine.complete(parent.instanceId, parent.executionId, event);
}
