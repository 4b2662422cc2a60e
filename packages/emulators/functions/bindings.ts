/** Finding bindings by type (their names are hashes) and building `inputData` for an invocation. */
import type {
  DurableEngineApi,
  RegisteredFunction,
  RpcBindingInfo,
  RpcParameterBinding,
  RpcTypedData,
} from './contracts';

export function triggerOf(fn: RegisteredFunction): { name: string; binding: RpcBindingInfo } {
  for (const [name, binding] of Object.entries(fn.bindings)) {
    if (binding.direction !== 'out' && /trigger$/i.test(binding.type)) return { name, binding };
  }
  throw new Error(`Function "${fn.name}" has no trigger binding.`);
}

export function triggerType(fn: RegisteredFunction): string {
  return triggerOf(fn).binding.type;
}

export function isDurableClientBinding(binding: RpcBindingInfo): boolean {
  return /^(durableClient|orchestrationClient)$/i.test(binding.type) && binding.direction !== 'out';
}

export function usesDurable(fn: RegisteredFunction): boolean {
  return Object.values(fn.bindings).some(
    (b) =>
      isDurableClientBinding(b) || /^(orchestrationTrigger|activityTrigger|entityTrigger)$/i.test(b.type),
  );
}

/** The trigger value plus every `durableClient` input (other input bindings are not supported and get no data). */
export function inputDataFor(
  fn: RegisteredFunction,
  triggerData: RpcTypedData | undefined,
  engine: () => DurableEngineApi,
): RpcParameterBinding[] {
  const inputs: RpcParameterBinding[] = [
    { name: triggerOf(fn).name, ...(triggerData ? { data: triggerData } : {}) },
  ];
  for (const [name, binding] of Object.entries(fn.bindings)) {
    if (isDurableClientBinding(binding))
      inputs.push({ name, data: { string: engine().clientBindingData() } });
  }
  return inputs;
}
