/**
 * Runs one invocation through the library's own programming model, in the worker's order
 * (azure-functions-nodejs-worker `InvocationHandler.ts`): getInvocationModel -> getArguments -> preInvocation
 * hooks -> invokeFunction -> postInvocation hooks -> getResponse.
 */
import { randomUUID } from 'node:crypto';
import type { FunctionInvoker, InvocationRequest, InvocationResult, RegisteredFunction } from './contracts';
import type { LoadSession } from './core-registry';
import type { CoreInvocationContext, ProgrammingModel, RpcLogCategory, RpcLogLevel } from './core-types';
import { withBlobInputs, writeBlobOutputs } from './storage-bindings';

export type HostLog = (line: string) => void;

export interface InvokerOptions {
  readonly session: LoadSession;
  readonly programmingModel: ProgrammingModel;
  /** Shared by every hook of the app (the hook contexts' `appHookData`). */
  readonly appHookData: Record<string, unknown>;
  readonly log: HostLog;
  /** Called after every invocation (for counters). */
  readonly onInvoked?: (name: string, result: InvocationResult) => void;
}

/** A context object whose `hookData` and `appHookData` are read-only and stable, as the worker builds them. */
export function hookContext(
  appHookData: Record<string, unknown>,
  hookData: Record<string, unknown>,
  fields: Record<string, unknown>,
): Record<string, unknown> {
  const context: Record<string, unknown> = { ...fields };
  Object.defineProperty(context, 'hookData', { get: () => hookData, enumerable: true });
  Object.defineProperty(context, 'appHookData', { get: () => appHookData, enumerable: true });
  return context;
}

export class Invoker implements FunctionInvoker {
  constructor(private readonly options: InvokerOptions) {}

  functions(): readonly RegisteredFunction[] {
    return [...this.options.session.functions.values()];
  }

  find(name: string): RegisteredFunction | undefined {
    const functions = this.options.session.functions;
    const exact = functions.get(name);
    if (exact) return exact;
    const lower = name.toLowerCase();
    return [...functions.values()].find((fn) => fn.name.toLowerCase() === lower);
  }

  async invoke(name: string, request: InvocationRequest): Promise<InvocationResult> {
    const fn = this.options.session.functions.get(name) ?? this.find(name);
    if (!fn) return { ok: false, error: new Error(`No function named "${name}" is registered.`) };
    let result: InvocationResult;
    try {
      const bound = await withBlobInputs(fn, request);
      result = await writeBlobOutputs(fn, bound, await this.run(fn, bound));
    } catch (error) {
      result = { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
    }
    this.options.onInvoked?.(fn.name, result);
    return result;
  }

  private async run(
    fn: RegisteredFunction & { metadata?: Record<string, unknown> },
    request: InvocationRequest,
  ): Promise<InvocationResult> {
    const { session, programmingModel, appHookData } = this.options;
    const invocationId = request.invocationId ?? randomUUID();
    const current: { context?: unknown } = {};
    const coreCtx: CoreInvocationContext = {
      invocationId,
      request: {
        invocationId,
        functionId: fn.name,
        inputData: request.inputData,
        triggerMetadata: request.triggerMetadata ?? {},
        ...(request.retryContext ? { retryContext: request.retryContext } : {}),
      },
      metadata: { ...(fn.metadata ?? {}), name: fn.name, bindings: { ...fn.bindings } },
      state: undefined,
      log: (level, category, message) => this.log(fn.name, current.context, level, category, message),
    };
    const model = await programmingModel.getInvocationModel(coreCtx);
    const { context, inputs } = await model.getArguments();
    current.context = context;
    const hookData: Record<string, unknown> = {};
    const pre = hookContext(appHookData, hookData, {
      invocationContext: context,
      inputs,
      functionCallback: fn.callback,
    });
    coreCtx.state = 'preInvocationHooks';
    for (const hook of session.hooks.preInvocation) await hook(pre);
    coreCtx.state = 'invocation';
    let value: unknown;
    let error: unknown;
    try {
      value = await model.invokeFunction(
        context,
        pre.inputs as unknown[],
        pre.functionCallback as (...args: unknown[]) => unknown,
      );
    } catch (thrown) {
      error = thrown;
    }
    const post = hookContext(appHookData, hookData, {
      invocationContext: context,
      inputs: pre.inputs,
      result: value ?? null,
      error: error ?? null,
    });
    coreCtx.state = 'postInvocationHooks';
    for (const hook of session.hooks.postInvocation) await hook(post);
    coreCtx.state = undefined;
    if (post.error) {
      const failure = post.error instanceof Error ? post.error : new Error(JSON.stringify(post.error));
      return { ok: false, error: failure };
    }
    const response = await model.getResponse(context, post.result);
    return {
      ok: true,
      ...(response.returnValue ? { returnValue: response.returnValue } : {}),
      outputData: response.outputData ?? [],
    };
  }

  private log(
    functionName: string,
    invocationContext: unknown,
    level: RpcLogLevel,
    category: RpcLogCategory,
    message: string,
  ): void {
    let entry = { level, message };
    if (category === 'user' && this.options.session.hooks.log.length > 0) {
      const ctx = hookContext(this.options.appHookData, {}, { invocationContext, category, level, message });
      for (const hook of this.options.session.hooks.log) void hook(ctx);
      entry = { level: ctx.level as RpcLogLevel, message: ctx.message as string };
    }
    if (
      entry.level === 'none' ||
      (category === 'system' && (entry.level === 'debug' || entry.level === 'trace'))
    ) {
      return;
    }
    this.options.log(`[${entry.level}] ${functionName}: ${entry.message}`);
  }
}
