/**
 * The extension webhooks: `/runtime/webhooks/eventgrid?functionName=<name>` (Event Grid trigger, one invocation
 * per event) and `/runtime/webhooks/blobs?functionName=Host.Functions.<name>` (EventGrid-source blob trigger).
 */
import type * as http from 'node:http';
import { triggerOf } from '../bindings';
import type { FunctionInvoker, InvocationResult, RegisteredFunction, RpcTypedData } from '../contracts';
import { HttpError, sendJson } from '../http-io';
import type { BlobTriggers } from './blob-trigger';
import { answerCloudEventsHandshake, answerValidation, parseDelivery } from './event-grid';

export type InvokeEvent = (fn: RegisteredFunction, data: RpcTypedData) => Promise<InvocationResult>;

export interface WebhookDeps {
  readonly invoker: FunctionInvoker;
  readonly blobs: BlobTriggers;
  readonly invokeEvent: InvokeEvent;
}

export function eventGridFunction(invoker: FunctionInvoker, name: string | null): RegisteredFunction {
  if (!name)
    throw new HttpError(
      400,
      'The functionName query parameter is required (e.g. ?functionName=myEventGridFunction).',
    );
  const fn = invoker.find(name);
  if (!fn || triggerOf(fn).binding.type.toLowerCase() !== 'eventgridtrigger') {
    const names = invoker
      .functions()
      .filter((f) => triggerOf(f).binding.type.toLowerCase() === 'eventgridtrigger')
      .map((f) => f.name);
    throw new HttpError(
      404,
      `No Event Grid trigger function named "${name}" (Event Grid functions: ${names.join(', ') || 'none'}).`,
    );
  }
  return fn;
}

function failureBody(name: string, result: InvocationResult): Record<string, unknown> | undefined {
  return result.ok
    ? undefined
    : { error: 'FunctionInvocationFailed', function: name, message: result.error.message };
}

/** Resolves true if the request was for one of the webhooks (and has been answered). */
export async function handleWebhook(
  deps: WebhookDeps,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  body: Buffer,
): Promise<boolean> {
  const route = url.pathname.toLowerCase().replace(/\/+$/, '');
  if (route !== '/runtime/webhooks/eventgrid' && route !== '/runtime/webhooks/blobs') return false;
  if (answerCloudEventsHandshake(req, res)) return true;
  if (req.method !== 'POST')
    throw new HttpError(405, `${url.pathname} accepts POST (and OPTIONS for the CloudEvents handshake).`);
  const isBlob = route.endsWith('/blobs');
  const rawName = url.searchParams.get('functionName');
  const name = isBlob ? (rawName?.replace(/^Host\.Functions\./i, '') ?? null) : rawName;
  if (!name)
    throw new HttpError(
      400,
      `The functionName query parameter is required (e.g. ?functionName=${isBlob ? 'Host.Functions.' : ''}myFunction).`,
    );
  const fn = isBlob ? deps.blobs.entry(name).fn : eventGridFunction(deps.invoker, name);
  const delivery = parseDelivery(body);
  if ('validationCode' in delivery) {
    answerValidation(res, delivery.validationCode);
    return true;
  }
  const results = isBlob
    ? await deps.blobs.deliverEvents(fn.name, delivery.events)
    : await invokeEach(
        deps,
        fn,
        delivery.events.map((e) => e.raw),
      );
  const failed = results.map((r) => failureBody(fn.name, r)).find(Boolean);
  if (failed) sendJson(res, 500, failed);
  else sendJson(res, 202, { function: fn.name, invocations: results.length });
  return true;
}

async function invokeEach(
  deps: WebhookDeps,
  fn: RegisteredFunction,
  events: readonly unknown[],
): Promise<InvocationResult[]> {
  const results: InvocationResult[] = [];
  for (const event of events) results.push(await deps.invokeEvent(fn, { json: JSON.stringify(event) }));
  return results;
}
