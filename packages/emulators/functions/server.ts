/**
 * The host's one loopback HTTP server: durable management routes (to the engine), extension webhooks, then
 * the app's HTTP triggers. Every request is handled on its own (handlers may call back into this server:
 * docs/functions-host.md, 'Concurrent requests (no deadlocks)'). Errors answer JSON, never a stack.
 */
import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import type { DurableEngineApi, InvocationResult, RegisteredFunction, RpcTypedData } from './contracts';
import type { HttpFunctionTable } from './http-functions';
import { HttpError, readBody, sendJson, toRpcHttpRequest, writeRpcHttpResponse } from './http-io';
import { handleAdmin, type AdminDeps } from './admin';
import { dispatchStreamed } from './http-stream';
import { checkKey, checkSystemKey, type HostKeys } from './keys';
import { handleWebhook, type WebhookDeps } from './triggers/webhooks';

export interface ServerDeps {
  readonly table: HttpFunctionTable;
  readonly keys: HostKeys;
  readonly invoke: (
    fn: RegisteredFunction,
    data: RpcTypedData,
    triggerMetadata?: Record<string, RpcTypedData>,
    invocationId?: string,
  ) => Promise<InvocationResult>;
  /** The library's HTTP stream proxy, when the app enables HTTP streams (http-stream.ts). */
  readonly httpStreamUri?: string;
  readonly engine: () => DurableEngineApi | undefined;
  readonly webhooks: WebhookDeps;
  readonly admin: AdminDeps;
  readonly log: (line: string) => void;
}

const DURABLE_ROUTE = /^\/(runtime\/webhooks\/durabletask|durabletask)(\/|$)/i;
/** Routes the host answers itself (webhooks, admin); never an app's HTTP trigger. */
const HOST_ROUTE = /^\/(runtime\/webhooks|admin)(\/|$)/i;

/**
 * Idle keep-alive sockets stay open this long (Kestrel, the real host's server, keeps them 130 s). Node's
 * default of 5 s can race clients that reuse a pooled socket (Node's global agent keeps sockets alive 5 s): a
 * request sent as the server closes the socket fails with ECONNRESET, which the durable client does not retry.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 130_000;

/** Node's parser refusals (oversized headers, malformed requests) answer JSON too, not Node's bare text. */
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [
          431,
          'Request Header Fields Too Large',
          'The request headers are larger than the host accepts (16 KB).',
        ]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'The request was not received in time.']
        : [400, 'Bad Request', 'The request is not valid HTTP.'];
  const body = JSON.stringify({ error: message });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export function createHostServer(deps: ServerDeps): http.Server {
  const server = http.createServer((req, res) => {
    handle(deps, req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof HttpError) {
        sendJson(res, error.status, { error: error.message, ...error.details });
      } else {
        deps.log(`[error] host: ${(error as Error).message}`);
        sendJson(res, 500, {
          error: 'The host failed to handle the request.',
          message: (error as Error).message,
        });
      }
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  // Must exceed keepAliveTimeout, or Node closes sockets that wait for a request's headers first.
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;

  server.on('clientError', answerClientError);
  return server;
}

/**
 * The private RPC listener (the extension's keyless 127.0.0.1:17071 in Azure): only `/durabletask/`, only for
 * the app's own DurableClient (its `rpcBaseUrl`). It is a separate loopback port the host never advertises.
 */
export function createRpcServer(engine: () => DurableEngineApi | undefined): http.Server {
  const server = http.createServer((req, res) => {
    const run = async () => {
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const current = engine();
      if (!/^\/durabletask(\/|$)/i.test(url.pathname) || !current)
        throw new HttpError(404, `No route matches ${url.pathname} on the Durable RPC listener.`);
      if (!(await current.handleHttp(req, res, body)))
        throw new HttpError(404, `No durable route matches ${req.method} ${url.pathname}.`);
    };
    run().catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      const status = error instanceof HttpError ? error.status : 500;
      sendJson(res, status, {
        error: error instanceof HttpError ? error.message : 'The RPC listener failed.',
      });
    });
  });
  // The same keep-alive as the public server: the DurableClient reuses pooled sockets (ECONNRESET otherwise).
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
  return server;
}

async function handle(deps: ServerDeps, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
  if (deps.httpStreamUri && !DURABLE_ROUTE.test(url.pathname) && !HOST_ROUTE.test(url.pathname)) {
    // A streamed trigger's body is the handler's to read, as it arrives.
    const fn = matchFunction(deps, req, url);
    await dispatchStreamed(deps.httpStreamUri, req, res, url, fn.params, (data, metadata, id) =>
      deps.invoke(fn.fn.fn, data, metadata, id),
    );
    return;
  }
  const body = await readBody(req);
  if (DURABLE_ROUTE.test(url.pathname)) {
    const engine = deps.engine();
    if (!engine)
      throw new HttpError(404, 'The Durable engine is not running: the app registers no durable functions.');
    const denied = checkSystemKey(deps.keys, req.headers['x-functions-key'], url);
    if (denied) throw new HttpError(401, denied);
    if (await engine.handleHttp(req, res, body)) return;
    throw new HttpError(404, `No durable management route matches ${req.method} ${url.pathname}.`);
  }
  if (await handleWebhook(deps.webhooks, req, res, url, body)) return;
  if (await handleAdmin(deps.admin, req, res, url, body)) return;
  const { fn, params } = matchFunction(deps, req, url);
  const result = await deps.invoke(fn.fn, toRpcHttpRequest(req, url, params, body));
  if (!result.ok) {
    sendJson(res, 500, {
      error: 'FunctionInvocationFailed',
      function: fn.fn.name,
      message: result.error.message,
    });
    return;
  }
  writeRpcHttpResponse(res, result.returnValue);
}

/** The HTTP trigger a request is for, its key checked; 404, 405 or 401 otherwise. */
function matchFunction(deps: ServerDeps, req: http.IncomingMessage, url: URL) {
  const match = deps.table.match(req.method ?? 'GET', url.pathname);
  if (match.kind === 'none')
    throw new HttpError(404, `No function matches ${url.pathname}.`, { path: url.pathname });
  if (match.kind === 'method') {
    throw new HttpError(
      405,
      `${req.method} is not allowed on ${url.pathname}; allowed: ${match.allowed.join(', ')}.`,
      {
        allowed: match.allowed,
      },
    );
  }
  const denied = checkKey(match.fn.authLevel, deps.keys, req.headers['x-functions-key'], url);
  if (denied) throw new HttpError(401, denied, { function: match.fn.fn.name });
  return match;
}
