/**
 * The seams inside the embedded Functions host. `host` (loader, core shim, invoker, HTTP server, triggers)
 * and `durable` (the Durable Task engine and its management API) meet only here.
 * Shapes follow `@azure/functions-core` (node_modules/@azure/functions/types-core/index.d.ts).
 */
import type * as http from 'node:http';
import type { Clock } from '../common/clock';

/** A function as `registerFunction` captured it: real metadata plus the library's callback. */
export interface RegisteredFunction {
  readonly name: string;
  /** Binding records keyed by binding name, exactly as the library sent them. */
  readonly bindings: Readonly<Record<string, RpcBindingInfo>>;
  readonly retryOptions?: unknown;
  readonly callback: (...args: unknown[]) => unknown;
}

export interface RpcBindingInfo {
  readonly type: string;
  readonly direction?: 'in' | 'out' | 'inout';
  readonly name?: string;
  readonly [key: string]: unknown;
}

export interface RpcTypedData {
  string?: string;
  json?: string;
  bytes?: Uint8Array;
  int?: number;
  double?: number;
  http?: unknown;
  [key: string]: unknown;
}

export interface RpcParameterBinding {
  name: string;
  data?: RpcTypedData;
}

export interface InvocationRequest {
  /** Trigger and input binding values, by binding name. */
  readonly inputData: RpcParameterBinding[];
  readonly triggerMetadata?: Record<string, RpcTypedData>;
  readonly retryContext?: { retryCount: number; maxRetryCount: number };
  /** Set by the caller when something else must name the invocation (the HTTP stream proxy's header). */
  readonly invocationId?: string;
}

export type InvocationResult =
  | { readonly ok: true; readonly returnValue?: RpcTypedData; readonly outputData: RpcParameterBinding[] }
  | { readonly ok: false; readonly error: Error };

/** What the host offers the engine: its functions and a way to invoke one through the real programming model. */
export interface FunctionInvoker {
  functions(): readonly RegisteredFunction[];
  find(name: string): RegisteredFunction | undefined;
  /** Runs the worker's invocation pipeline (hooks, InvocationModel) for one invocation. */
  invoke(name: string, request: InvocationRequest): Promise<InvocationResult>;
}

/** What the engine offers the host. */
export interface DurableEngineApi {
  /** JSON for a `durableClient` input binding (the extension's `DurableOrchestrationClientToString`). */
  clientBindingData(): string;
  /**
   * Handles `/runtime/webhooks/durabletask/*` and `/durabletask/*`. Resolves true when the request was
   * one of its routes (and has been answered), false otherwise.
   */
  handleHttp(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<boolean>;
  /** Starts processing persisted instances (after a restart) and timers. */
  start(): Promise<void>;
  /** Stops accepting work and waits for running episodes and activities to settle. */
  stop(): Promise<void>;
  /** The status the management API would return (without history), or undefined if unknown. */
  getStatus(instanceId: string): OrchestrationStatusView | undefined;
  /** Resolves once `predicate` holds for the instance (checked on every change); rejects after `timeoutMs`. */
  waitForStatus(
    instanceId: string,
    predicate: (status: OrchestrationStatusView) => boolean,
    timeoutMs?: number,
  ): Promise<OrchestrationStatusView>;
  /** Counters for benchmarks and tests. */
  stats(): EngineStats;
  /** True when no episode, activity, timer delivery or child start is running or queued (tests skip time then). */
  idle(): boolean;
}

export type RuntimeStatus =
  'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Canceled' | 'Terminated' | 'Suspended';

export interface OrchestrationStatusView {
  readonly name: string;
  readonly instanceId: string;
  readonly runtimeStatus: RuntimeStatus;
  readonly input: unknown;
  readonly output: unknown;
  readonly customStatus: unknown;
  readonly createdTime: string;
  readonly lastUpdatedTime: string;
}

export interface EngineStats {
  readonly episodes: number;
  readonly replayedEvents: number;
  readonly largestHistory: number;
  readonly activityInvocations: number;
  /** Finished instances paged out of memory so far (they stay queryable from disk). */
  readonly pagedOutInstances: number;
  /** Instances in memory now: the unfinished ones, and finished ones not yet paged out. */
  readonly residentInstances: number;
  /** Instance logs with an open handle or queued writes now. */
  readonly openLogs: number;
}

export interface DurableEngineOptions {
  readonly invoker: FunctionInvoker;
  readonly clock: Clock;
  /** Folder for durable state; a restarted engine on the same folder carries on. */
  readonly stateDir: string;
  readonly hubName: string;
  /** Origin the host serves on, e.g. http://127.0.0.1:7071 (used in management URLs). */
  readonly baseUrl: string;
  /**
   * The private RPC listener the app's DurableClient calls (`rpcBaseUrl`, like the extension's keyless
   * 127.0.0.1:17071 listener in Azure); default: `baseUrl`.
   */
  readonly rpcUrl?: string;
  /** The `durabletask_extension` system key put in the binding's management URLs as `code=`. */
  readonly systemKey?: string;
  readonly maxConcurrentActivityFunctions: number;
  readonly maxConcurrentOrchestratorFunctions: number;
  readonly log?: (line: string) => void;
}

export type CreateDurableEngine = (options: DurableEngineOptions) => DurableEngineApi;
