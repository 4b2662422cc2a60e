/**
 * The state behind `@azure/functions-core`: one per JS realm (kept on `globalThis`, so the module loaded by the
 * library through the require proxy or Jest's moduleNameMapper and the module the host imports share it even when
 * they are evaluated twice). Registrations go to the current load session; the programming model is global,
 * because the library sets it only once per copy.
 */
import type { RegisteredFunction } from './contracts';
import type {
  FunctionCallback,
  FunctionMetadata,
  HookCallback,
  HookName,
  ProgrammingModel,
  RpcLogCategory,
  RpcLogLevel,
} from './core-types';

export interface LoadSession {
  readonly functions: Map<string, RegisteredFunction & { readonly metadata: FunctionMetadata }>;
  readonly hooks: Record<HookName, HookCallback[]>;
  /** System log lines the library wrote while the app loaded (e.g. "HTTP streaming enabled."). */
  readonly systemLogs: string[];
  open: boolean;
}

export interface CoreRegistry {
  session: LoadSession | undefined;
  programmingModel: ProgrammingModel | undefined;
  /** Where library system logs go outside a load session or an invocation. */
  logSink: (level: RpcLogLevel, category: RpcLogCategory, message: string) => void;
}

const KEY = Symbol.for('flotilla.functions-core.registry');

export function coreRegistry(): CoreRegistry {
  const holder = globalThis as unknown as Record<symbol, CoreRegistry | undefined>;
  let registry = holder[KEY];
  if (!registry) {
    registry = { session: undefined, programmingModel: undefined, logSink: () => undefined };
    holder[KEY] = registry;
  }
  return registry;
}

export function newLoadSession(): LoadSession {
  return {
    functions: new Map(),
    hooks: { appStart: [], appTerminate: [], preInvocation: [], postInvocation: [], log: [] },
    systemLogs: [],
    open: true,
  };
}

export function registerFunctionIn(
  registry: CoreRegistry,
  metadata: FunctionMetadata,
  callback: FunctionCallback,
): void {
  const session = registry.session;
  if (!session?.open) throw new Error('A function can only be registered during app startup.');
  const id = metadata.functionId || metadata.name;
  if (session.functions.has(id))
    throw new Error(`A function with the id "${id}" has already been registered.`);
  session.functions.set(id, {
    name: metadata.name,
    bindings: metadata.bindings,
    retryOptions: metadata.retryOptions,
    callback,
    metadata,
  });
}

export function registerHookIn(registry: CoreRegistry, name: string, callback: HookCallback): () => void {
  const session = registry.session;
  if (!session) throw new Error(`Hooks can only be registered while an app is loaded (hook "${name}").`);
  if (!(name in session.hooks)) {
    // The library maps this RangeError to "Log hooks require Azure Functions Host v4.34 or higher." for log hooks.
    throw new RangeError(`Unrecognized hook "${name}".`);
  }
  const list = session.hooks[name as HookName];
  list.push(callback);
  return () => {
    const index = list.indexOf(callback);
    if (index >= 0) list.splice(index, 1);
  };
}
