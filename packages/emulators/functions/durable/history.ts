/**
 * History events as DTFx serializes them (PascalCase, integer EventType), the shape the durable-functions
 * replay reads (docs/durable-engine.md, 'History events'). Events are plain JSON objects so they can be
 * persisted and sent as is.
 */
export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
  ExecutionSuspended: 19,
  ExecutionResumed: 20,
} as const;

export const EventTypeName: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(EventType).map(([name, code]) => [code, name]),
);

/** DTFx OrchestrationStatus codes used in ExecutionCompleted. */
export const OrchestrationStatusCode = { Completed: 1, ContinuedAsNew: 2, Failed: 3, Terminated: 5 } as const;

export interface HistoryEvent {
  EventType: number;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  [field: string]: unknown;
}

export interface FailureDetailsWire {
  ErrorType: string;
  ErrorMessage: string;
  StackTrace: string | null;
  IsNonRetriable: boolean;
  Properties: unknown;
  InnerFailure: null;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function historyEvent(type: number, atMs: number, fields: Record<string, unknown> = {}): HistoryEvent {
  return { EventType: type, EventId: -1, IsPlayed: false, Timestamp: iso(atMs), ...fields };
}

/** The id a completion event refers to, or undefined for events that complete nothing. */
export function completionId(event: HistoryEvent): number | undefined {
  switch (event.EventType) {
    case EventType.TaskCompleted:
    case EventType.TaskFailed:
    case EventType.SubOrchestrationInstanceCompleted:
    case EventType.SubOrchestrationInstanceFailed:
      return event.TaskScheduledId as number;
    case EventType.TimerFired:
      return event.TimerId as number;
    default:
      return undefined;
  }
}

export function isFailureEvent(event: HistoryEvent): boolean {
  return (
    event.EventType === EventType.TaskFailed || event.EventType === EventType.SubOrchestrationInstanceFailed
  );
}
