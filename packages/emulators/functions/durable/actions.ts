/**
 * Orchestrator output (docs/durable-engine.md, 'Orchestrator output'): the `OrchestratorState` JSON the
 * library returns, or the `$OutOfProcData$` payload carried by a failed invocation.
 */
export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
  LockEntities: 13,
  ReleaseEntities: 14,
} as const;

export const ActionTypeName: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(ActionType).map(([name, code]) => [code, name]),
);

export interface RetryOptionsWire {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

export interface Action {
  actionType: number;
  functionName?: string;
  input?: unknown;
  retryOptions?: RetryOptionsWire;
  instanceId?: string;
  version?: string;
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  compoundActions?: Action[];
  httpRequest?: Record<string, unknown>;
  /** Entity actions (lib/src/actions/CallEntityAction.js, LockEntitiesAction.js). */
  operation?: string;
  lockSet?: { name: string; key: string }[];
  lockRequestId?: string;
}

export interface OrchestratorState {
  isDone: boolean;
  actions: Action[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  schemaVersion?: number;
  failureDetails?: Record<string, unknown>;
}

export type OrchestratorOutcome =
  | { readonly kind: 'state'; readonly state: OrchestratorState }
  | {
      readonly kind: 'failed';
      readonly state: OrchestratorState | undefined;
      readonly message: string;
      readonly stack?: string;
    };

const OUT_OF_PROC_LABEL = '\n\n$OutOfProcData$:';

/** Leaves of the cumulative action list, depth-first in array order (docs/durable-engine.md, 'Task ids'). */
export function flattenLeaves(actions: readonly Action[], into: Action[] = []): Action[] {
  for (const action of actions) {
    if (action.actionType === ActionType.WhenAll || action.actionType === ActionType.WhenAny) {
      flattenLeaves(action.compoundActions ?? [], into);
    } else {
      into.push(action);
    }
  }
  return into;
}

/**
 * A short identity of a leaf used to detect nondeterminism (docs/durable-engine.md, 'Orchestrator output').
 */
export function leafKey(action: Action): string {
  const name = action.functionName ?? action.externalEventName ?? '';
  return `${action.actionType}:${name}`;
}

export function parseOrchestratorState(json: string): OrchestratorState {
  const parsed = JSON.parse(json) as unknown;
  if (!parsed || typeof parsed !== 'object' || !Array.isArray((parsed as OrchestratorState).actions)) {
    throw new Error('the orchestrator returned no OrchestratorState (expected {isDone, actions: [[...]]})');
  }
  const state = parsed as OrchestratorState;
  if (state.actions.length > 1) {
    throw new Error(
      `the orchestrator returned ${state.actions.length} action groups; only replay schema V3 (one group) is supported`,
    );
  }
  return state;
}

/** Decodes a failed orchestrator invocation (docs/durable-engine.md, 'Orchestrator output'). */
export function parseOrchestratorFailure(error: Error): OrchestratorOutcome {
  const message = error.message ?? String(error);
  const at = message.indexOf(OUT_OF_PROC_LABEL);
  if (at < 0) return { kind: 'failed', state: undefined, message, stack: error.stack };
  try {
    const state = parseOrchestratorState(message.slice(at + OUT_OF_PROC_LABEL.length));
    return { kind: 'failed', state, message: state.error ?? message.slice(0, at), stack: error.stack };
  } catch {
    return { kind: 'failed', state: undefined, message: message.slice(0, at), stack: error.stack };
  }
}
