/**
 * Non-trigger bindings (docs/functions-host.md, 'Bindings'): blob input and output run against the storage
 * account of their `connection` setting through `@azure/storage-blob`, as the Storage extension does; every
 * other input/output binding is refused when the app loads, naming the function, the binding and what is
 * supported, so an app never answers 2xx while its output silently goes nowhere.
 */
import { AppConfigError } from './app-config';
import { isDurableClientBinding } from './bindings';
import type {
  InvocationRequest,
  InvocationResult,
  RegisteredFunction,
  RpcBindingInfo,
  RpcTypedData,
} from './contracts';
import { blobServiceFor } from './triggers/blob-connection';

const SUPPORTED =
  'supported: triggers httpTrigger, timerTrigger, blobTrigger, eventGridTrigger, orchestrationTrigger, activityTrigger, entityTrigger (plus Service Bus, Event Hubs and Cosmos DB triggers run only through POST /admin/functions/<name>); inputs durableClient and blob; outputs http and blob';

/** Triggers whose events the host cannot produce but which Azurite users would expect to fire. */
const REFUSED_TRIGGERS: Record<string, string> = {
  queuetrigger: 'the embedded host does not poll Azure Storage queues',
};

function isBlob(binding: RpcBindingInfo): boolean {
  return binding.type.toLowerCase() === 'blob';
}

/** Throws an AppConfigError for the first binding of `fn` the host cannot honour. */
export function checkBindings(fn: RegisteredFunction): void {
  for (const [name, binding] of Object.entries(fn.bindings)) {
    const type = binding.type;
    const direction = binding.direction ?? 'in';
    const what = `Function "${fn.name}": binding "${name}" (type "${type}", direction "${direction}")`;
    const refusedTrigger = REFUSED_TRIGGERS[type.toLowerCase()];
    if (refusedTrigger)
      throw new AppConfigError(`${what} is not supported: ${refusedTrigger}; ${SUPPORTED}.`);
    if (/trigger$/i.test(type) || isDurableClientBinding(binding)) continue;
    if (type.toLowerCase() === 'http' && direction === 'out') continue;
    if (isBlob(binding) && (direction === 'in' || direction === 'out')) {
      if (typeof binding.path !== 'string' || binding.path === '')
        throw new AppConfigError(`${what} needs a path "container/blob".`);
      continue;
    }
    throw new AppConfigError(`${what} is not supported by the embedded host; ${SUPPORTED}.`);
  }
}

function typedText(data: RpcTypedData | undefined): string | undefined {
  if (!data) return undefined;
  if (typeof data.string === 'string') return data.string;
  if (typeof data.json === 'string') {
    const parsed = JSON.parse(data.json) as unknown;
    return typeof parsed === 'string' ? parsed : data.json;
  }
  if (typeof data.int === 'number' || typeof data.double === 'number') return String(data.int ?? data.double);
  return undefined;
}

/** Binding data for `{token}` expressions: trigger metadata, then HTTP route parameters and query. */
function bindingValues(request: InvocationRequest): Map<string, string> {
  const values = new Map<string, string>();
  for (const [key, data] of Object.entries(request.triggerMetadata ?? {})) {
    const text = typedText(data);
    if (text !== undefined) values.set(key.toLowerCase(), text);
  }
  for (const input of request.inputData) {
    const http = input.data?.http as
      { params?: Record<string, string>; query?: Record<string, string> } | undefined;
    for (const source of [http?.query, http?.params]) {
      for (const [key, value] of Object.entries(source ?? {})) values.set(key.toLowerCase(), String(value));
    }
  }
  return values;
}

function resolvePath(
  fn: RegisteredFunction,
  name: string,
  template: string,
  values: Map<string, string>,
): string {
  const withSettings = template.replace(/%([^%]+)%/g, (_m, setting: string) => {
    const value = process.env[setting];
    if (value === undefined)
      throw new Error(`Function "${fn.name}": binding "${name}": the app setting "${setting}" is not set.`);
    return value;
  });
  return withSettings.replace(/\{([^{}]+)\}/g, (_m, token: string) => {
    const value = values.get(token.toLowerCase());
    if (value === undefined)
      throw new Error(
        `Function "${fn.name}": binding "${name}": no value for {${token}} in path "${template}" (binding data: ${[...values.keys()].join(', ') || 'none'}).`,
      );
    return value;
  });
}

function blobClient(fn: RegisteredFunction, binding: RpcBindingInfo, blobPath: string) {
  const at = blobPath.indexOf('/');
  if (at <= 0 || at === blobPath.length - 1)
    throw new Error(`Function "${fn.name}": blob path "${blobPath}" must be "container/blob".`);
  const connection =
    typeof binding.connection === 'string' && binding.connection ? binding.connection : 'AzureWebJobsStorage';
  return blobServiceFor(connection, fn.name)
    .getContainerClient(blobPath.slice(0, at))
    .getBlockBlobClient(blobPath.slice(at + 1));
}

/** Adds the blob inputs to an invocation: the blob's bytes, or no data when it does not exist (null in the handler). */
export async function withBlobInputs(
  fn: RegisteredFunction,
  request: InvocationRequest,
): Promise<InvocationRequest> {
  const inputs = Object.entries(fn.bindings).filter(([, b]) => isBlob(b) && (b.direction ?? 'in') === 'in');
  if (inputs.length === 0) return request;
  const values = bindingValues(request);
  const inputData = [...request.inputData];
  for (const [name, binding] of inputs) {
    const client = blobClient(fn, binding, resolvePath(fn, name, binding.path as string, values));
    try {
      const bytes = await client.downloadToBuffer();
      inputData.push({
        name,
        data: binding.dataType === 'string' ? { string: bytes.toString('utf8') } : { bytes },
      });
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
      inputData.push({ name });
    }
  }
  return { ...request, inputData };
}

/** Uploads what a function set on its blob outputs; an upload failure fails the invocation, as in Azure. */
export async function writeBlobOutputs(
  fn: RegisteredFunction,
  request: InvocationRequest,
  result: InvocationResult,
): Promise<InvocationResult> {
  if (!result.ok) return result;
  const outputs = Object.entries(fn.bindings).filter(([, b]) => isBlob(b) && b.direction === 'out');
  if (outputs.length === 0) return result;
  const values = bindingValues(request);
  try {
    for (const [name, binding] of outputs) {
      const data = result.outputData.find((o) => o.name === name)?.data;
      if (!data) continue;
      const body =
        data.bytes !== undefined
          ? Buffer.from(data.bytes)
          : Buffer.from(typedText(data) ?? JSON.stringify(data));
      const client = blobClient(fn, binding, resolvePath(fn, name, binding.path as string, values));
      await client.upload(body, body.length);
    }
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
  }
  return result;
}
