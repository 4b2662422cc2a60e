/** Shapes shared by the episode runner and the engine. */
import type { OrchestratorOutcome } from './actions';
import type { EntityMessage } from './entities';
import type { HistoryEvent } from './history';
import type { HttpRequestWire } from './http-call';
import type { Instance, LogRecord, ParentRef } from './instance';
import type { TimerSettings } from './timing';

export type SideEffect =
  | { readonly k: 'activity'; readonly id: number; readonly name: string; readonly input: unknown }
  | {
      readonly k: 'child';
      readonly id: number;
      readonly childId: string;
      readonly name: string;
      readonly version: string;
      readonly input: unknown;
    }
  | { readonly k: 'timer'; readonly id: number; readonly fireAt: number }
  | { readonly k: 'cancelTimer'; readonly id: number }
  | { readonly k: 'http'; readonly id: number; readonly request: HttpRequestWire }
  | { readonly k: 'notifyParent'; readonly parent: ParentRef; readonly event: HistoryEvent }
  | { readonly k: 'entity'; readonly message: EntityMessage };

export interface EpisodeResult {
  readonly record: LogRecord & { r: 'ep' };
  readonly effects: SideEffect[];
  /** Set when the orchestrator called continueAsNew: the engine starts a new execution with this input. */
  readonly continueAsNew?: { readonly input: string };
  /** Number of history events handed to the orchestrator (0 when it was not invoked). */
  readonly replayed: number;
}

export interface EpisodeContext {
  readonly timers: TimerSettings;
  now(): number;
  invokeOrchestrator(inst: Instance): Promise<OrchestratorOutcome>;
}
