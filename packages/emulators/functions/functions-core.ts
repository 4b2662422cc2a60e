/**
 * The module the app sees as `@azure/functions-core`. Plain Node gets it through the require proxy
 * (`install-core.ts`), Jest through `moduleNameMapper`; both resolve to this module, whose state lives in
 * `core-registry.ts`.
 */
import { coreRegistry, registerFunctionIn, registerHookIn } from './core-registry';
import type {
  Disposable as DisposableShape,
  FunctionCallback,
  FunctionMetadata,
  HookCallback,
  ProgrammingModel,
  RpcLogCategory,
  RpcLogLevel,
} from './core-types';

export const version = '3.10.1';
export const hostVersion = '4.1036.0';

export class Disposable implements DisposableShape {
  static from(...inputs: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => inputs.forEach((d) => d.dispose()));
  }

  #callOnDispose: (() => unknown) | undefined;

  constructor(callOnDispose: () => unknown) {
    this.#callOnDispose = callOnDispose;
  }

  dispose(): void {
    const fn = this.#callOnDispose;
    this.#callOnDispose = undefined;
    fn?.();
  }
}

export function registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable {
  registerFunctionIn(coreRegistry(), metadata, callback);
  return new Disposable(() => {
    const session = coreRegistry().session;
    if (session?.open) session.functions.delete(metadata.functionId || metadata.name);
  });
}

export function registerHook(name: string, callback: HookCallback): Disposable {
  return new Disposable(registerHookIn(coreRegistry(), name, callback));
}

export function setProgrammingModel(model: ProgrammingModel): void {
  const registry = coreRegistry();
  const previous = registry.programmingModel;
  if (previous && previous !== model && registry.session?.open) {
    // Two copies of @azure/functions (docs/functions-host.md, 'One copy of @azure/functions'): handlers and
    // the invocation model may come from different copies.
    log(
      'warning',
      'system',
      `A second @azure/functions programming model (${model.name}@${model.version}) replaced ${previous.name}@${previous.version}: the app loads more than one copy of @azure/functions (check \`npm ls @azure/functions\`).`,
    );
  }
  registry.programmingModel = model;
}

export function getProgrammingModel(): ProgrammingModel {
  const model = coreRegistry().programmingModel;
  if (!model)
    throw new Error('No programming model has been set: the app has not called any app.* function.');
  return model;
}

export function log(level: RpcLogLevel, category: RpcLogCategory, message: string): void {
  const registry = coreRegistry();
  if (registry.session?.open) registry.session.systemLogs.push(message);
  registry.logSink(level, category, message);
}
