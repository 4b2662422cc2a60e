/** Status objects as the management API returns them (docs/durable-engine.md, 'Status objects'). */
import type { OrchestrationStatusView } from '../contracts';
import { EventType, EventTypeName, type HistoryEvent } from './history';
import type { Instance } from './instance';

/** `yyyy-MM-ddTHH:mm:ssZ`, no fractional seconds. */
export function statusTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function parseJson(text: string | null): unknown {
  if (text === null || text === undefined) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function statusView(inst: Instance): OrchestrationStatusView {
  return {
    name: inst.name,
    instanceId: inst.instanceId,
    runtimeStatus: inst.status,
    input: parseJson(inst.input),
    output: inst.output ?? null,
    customStatus: inst.customStatus ?? null,
    createdTime: statusTime(inst.createdTime),
    lastUpdatedTime: statusTime(inst.lastUpdatedTime),
  };
}

const STATUS_NAMES: Readonly<Record<number, string>> = {
  0: 'Running',
  1: 'Completed',
  2: 'ContinuedAsNew',
  3: 'Failed',
  4: 'Canceled',
  5: 'Terminated',
  6: 'Pending',
  7: 'Suspended',
};

/**
 * The extension's friendly history (`historyEvents`): names instead of codes, no EventId/IsPlayed,
 * no OrchestratorStarted/Completed, TaskScheduled merged into its completion, results only with showHistoryOutput.
 */
export function friendlyHistory(
  history: readonly HistoryEvent[],
  showOutput: boolean,
  showInput: boolean,
): unknown[] {
  const scheduled = new Map<number, HistoryEvent>();
  const out: Record<string, unknown>[] = [];
  for (const e of history) {
    const type = e.EventType;
    if (type === EventType.OrchestratorStarted || type === EventType.OrchestratorCompleted) continue;
    if (type === EventType.TaskScheduled || type === EventType.SubOrchestrationInstanceCreated) {
      scheduled.set(e.EventId, e);
      continue;
    }
    const { EventId: _id, IsPlayed: _played, EventType: _type, ...rest } = e;
    const item: Record<string, unknown> = { EventType: EventTypeName[type] ?? String(type), ...rest };
    if (type === EventType.ExecutionStarted) {
      item.FunctionName = e.Name;
      delete item.Name;
      if (!showInput) delete item.Input;
      else item.Input = parseMaybe(e.Input);
    }
    if ('TaskScheduledId' in e) {
      const source = scheduled.get(e.TaskScheduledId as number);
      if (source) {
        item.FunctionName = source.Name;
        item.ScheduledTime = source.Timestamp;
        if (showInput) item.Input = parseMaybe(source.Input);
      }
      delete item.TaskScheduledId;
    }
    if (type === EventType.TimerFired) delete item.TimerId;
    if (type === EventType.ExecutionCompleted)
      item.OrchestrationStatus = STATUS_NAMES[e.OrchestrationStatus as number];
    if ('Result' in item) {
      if (showOutput) item.Result = parseMaybe(item.Result);
      else delete item.Result;
    }
    out.push(item);
  }
  return out;
}

function parseMaybe(v: unknown): unknown {
  return typeof v === 'string' ? parseJson(v) : v;
}
