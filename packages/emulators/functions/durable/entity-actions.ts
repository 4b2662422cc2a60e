/**
 * Entity actions of an orchestrator (docs/durable-engine.md, 'Entities'): `callEntity`, `signalEntity`,
 * `lock` and the lock's release become `EventSent` history events plus messages for the entity table.
 * Task ids follow the library: one id per call, signal and lock, and one per locked entity for a release
 * (`TaskOrchestrationExecutor.recordFireAndForgetAction`).
 */
import { ActionType, type Action } from './actions';
import type { Delta } from './delta';
import { schedulerId, type EntityMessage } from './entities';
import { EventType, historyEvent, type HistoryEvent } from './history';
import type { Instance } from './instance';

function sent(id: number, target: string, name: string, message: Record<string, unknown>, now: number) {
  return historyEvent(EventType.EventSent, now, {
    EventId: id,
    InstanceId: target,
    Name: name,
    Input: JSON.stringify(message),
  });
}

/** The lock set of the last `lock` before leaf `index` (what a release frees). */
function heldLocks(leaves: readonly Action[], index: number): string[] {
  for (let i = index - 1; i >= 0; i--) {
    const leaf = leaves[i]!;
    if (leaf.actionType === ActionType.LockEntities) return (leaf.lockSet ?? []).map(schedulerId);
  }
  return [];
}

export function entityEffects(
  inst: Instance,
  delta: Delta,
  scheduled: HistoryEvent[],
  leaves: readonly Action[],
  index: number,
  now: number,
): void {
  const leaf = leaves[index]!;
  const caller = { instanceId: inst.instanceId, executionId: inst.executionId };
  const push = (id: number, message: EntityMessage) => {
    const wire = {
      id: message.id,
      ...(message.op !== undefined ? { op: message.op } : {}),
      signal: message.signal === true,
      ...(message.input !== undefined ? { input: message.input } : {}),
      parent: inst.instanceId,
      ...(message.lockSet ? { lockset: message.lockSet, pos: message.pos } : {}),
    };
    scheduled.push(sent(id, message.target, message.kind === 'op' ? 'op' : message.kind, wire, now));
    delta.effects.push({ k: 'entity', message });
  };
  switch (leaf.actionType) {
    case ActionType.CallEntity:
    case ActionType.SignalEntity: {
      const id = inst.seq++;
      const signal = leaf.actionType === ActionType.SignalEntity;
      push(id, {
        target: leaf.instanceId ?? '',
        kind: 'op',
        // Deterministic, so a replayed EventSent and the response it waits for always agree.
        id: `${inst.executionId}:${id}`,
        op: leaf.operation ?? '',
        signal,
        ...(leaf.input !== undefined ? { input: JSON.stringify(leaf.input) } : {}),
        caller,
      });
      return;
    }
    case ActionType.LockEntities: {
      const id = inst.seq++;
      const lockSet = (leaf.lockSet ?? []).map(schedulerId);
      push(id, {
        target: lockSet[0] ?? '',
        kind: 'lock',
        id: leaf.lockRequestId ?? `${inst.executionId}:${id}`,
        lockSet,
        pos: 0,
        caller,
      });
      return;
    }
    case ActionType.ReleaseEntities: {
      for (const target of heldLocks(leaves, index)) {
        const id = inst.seq++;
        push(id, { target, kind: 'release', id: `${inst.executionId}:${id}`, caller });
      }
      return;
    }
  }
}
