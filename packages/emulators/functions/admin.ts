/**
 * `POST /admin/functions/<name>` with `{ "input": "..." }`: runs a non-HTTP function now, as Core Tools and the
 * portal's Test/Run do (master key required). Timers ignore the input; blob triggers take `container/name` of a
 * stored blob; other triggers get the input as their trigger value (JSON text is parsed by the library).
 */
import type * as http from 'node:http';
import { triggerOf } from './bindings';
import type { FunctionInvoker, InvocationResult, RegisteredFunction, RpcTypedData } from './contracts';
import { HttpError, sendJson } from './http-io';
import { checkKey, type HostKeys } from './keys';
import type { BlobTriggers } from './triggers/blob-trigger';
import type { TimerScheduler } from './triggers/timer';

export interface AdminDeps {
  readonly keys: HostKeys;
  readonly invoker: FunctionInvoker;
  readonly timers: TimerScheduler;
  readonly blobs: BlobTriggers;
  readonly invoke: (fn: RegisteredFunction, data: RpcTypedData | undefined) => Promise<InvocationResult>;
}

const ROUTE = /^\/admin\/functions\/([^/]+)\/?$/i;

export async function handleAdmin(
  deps: AdminDeps,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  body: Buffer,
): Promise<boolean> {
  const match = ROUTE.exec(url.pathname);
  if (!match) return false;
  if (req.method !== 'POST')
    throw new HttpError(405, 'POST /admin/functions/<name> with {"input": "..."} runs a function.');
  const denied = checkKey('admin', deps.keys, req.headers['x-functions-key'], url);
  if (denied) throw new HttpError(401, denied);
  const name = decodeURIComponent(match[1]!);
  const fn = deps.invoker.find(name);
  if (!fn) throw new HttpError(404, `No function named "${name}".`);
  const input = parseInput(body);
  const result = await run(deps, fn, input);
  if (result.ok) sendJson(res, 202, { function: fn.name, status: 'Succeeded' });
  else
    sendJson(res, 500, {
      error: 'FunctionInvocationFailed',
      function: fn.name,
      message: result.error.message,
    });
  return true;
}

function parseInput(body: Buffer): string | undefined {
  if (body.length === 0) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'The body must be JSON: {"input": "<string>"}.');
  }
  const input = (json as { input?: unknown } | null)?.input;
  if (input !== undefined && typeof input !== 'string')
    throw new HttpError(400, 'body.input must be a string.');
  return input;
}

function run(deps: AdminDeps, fn: RegisteredFunction, input: string | undefined): Promise<InvocationResult> {
  const type = triggerOf(fn).binding.type.toLowerCase();
  switch (type) {
    case 'timertrigger':
      return deps.timers.invokeNow(fn.name);
    case 'httptrigger':
      throw new HttpError(400, `"${fn.name}" is an HTTP function: call its URL instead.`);
    case 'orchestrationtrigger':
    case 'activitytrigger':
      throw new HttpError(400, `"${fn.name}" is a durable function: start it through a durable client.`);
    case 'blobtrigger':
      if (!input) throw new HttpError(400, 'body.input must name the blob as "container/name".');
      return deps.blobs.invokeStored(fn.name, input);
    default:
      return deps.invoke(fn, input === undefined ? undefined : { string: input });
  }
}
