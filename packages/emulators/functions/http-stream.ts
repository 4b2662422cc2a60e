/**
 * HTTP streams (`app.setup({ enableHttpStream: true })`), as the Azure Functions host runs them
 * (docs/functions-host.md, 'HTTP streams'): the invocation starts with the route's metadata only, and the raw
 * request (body unread) is forwarded to the library's proxy server with `x-ms-invocation-id`; the library pairs
 * the two, hands the handler a streaming request, and writes the response back on the proxied connection, which
 * the host pipes to the client as it comes.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { InvocationResult, RpcTypedData } from './contracts';
import { sendJson } from './http-io';

export type StreamInvoke = (
  data: RpcTypedData,
  triggerMetadata: Record<string, RpcTypedData>,
  invocationId: string,
) => Promise<InvocationResult>;

const NO_ANSWER_GRACE_MS = 2_000;

/** Hop-by-hop headers (RFC 9110 §7.6.1) never cross the proxy. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function headersOf(req: http.IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** What the real host sends as trigger metadata for a streamed HTTP trigger: headers, query, route params. */
function metadataOf(req: http.IncomingMessage, url: URL, params: Record<string, string>) {
  const query = Object.fromEntries(url.searchParams);
  const metadata: Record<string, RpcTypedData> = {
    Headers: { json: JSON.stringify(headersOf(req)) },
    Query: { json: JSON.stringify(query) },
  };
  for (const [key, value] of Object.entries(params)) metadata[key] = { string: value };
  return metadata;
}

export async function dispatchStreamed(
  proxyUri: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  params: Record<string, string>,
  invoke: StreamInvoke,
): Promise<void> {
  const invocationId = randomUUID();
  const headers = headersOf(req);
  const data: RpcTypedData = {
    http: { method: req.method ?? 'GET', url: url.toString(), headers, params, query: {} },
  };
  const invocation = invoke(data, metadataOf(req, url, params), invocationId);
  const forwarded: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(key)) forwarded[key] = value;
  let answered = false;
  let noAnswer: NodeJS.Timeout | undefined;
  const proxied = new Promise<void>((resolve, reject) => {
    const target = new URL(`${url.pathname}${url.search}`, proxyUri);
    const proxyReq = http.request(target, {
      method: req.method ?? 'GET',
      headers: {
        ...forwarded,
        'x-ms-invocation-id': invocationId,
        'x-forwarded-host': req.headers.host ?? url.host,
        'x-forwarded-proto': 'http',
      },
    });
    proxyReq.on('response', (proxyRes) => {
      answered = true;
      clearTimeout(noAnswer);
      const out: Record<string, string | string[]> = {};
      for (const [key, value] of Object.entries(proxyRes.headers)) {
        if (value !== undefined && !HOP_BY_HOP.has(key) && key !== 'x-ms-invocation-id') out[key] = value;
      }
      res.writeHead(proxyRes.statusCode ?? 200, out);
      proxyRes.pipe(res);
      proxyRes.on('end', () => resolve());
      proxyRes.on('error', reject);
    });
    proxyReq.on('error', reject);
    // A client that goes away mid-stream ends the proxied request too.
    res.on('close', () => {
      if (!res.writableFinished) proxyReq.destroy();
    });
    void invocation.then((result) => {
      // A failed invocation never answers on the proxy: stop waiting for it.
      if (!result.ok) return void proxyReq.destroy(new Error('invocation failed'));
      // The library has written the whole response before the invocation ends; a handler that returned
      // nothing writes none: answer 204 as without streams, after a grace for the loopback hop.
      if (!answered)
        noAnswer = setTimeout(() => {
          proxyReq.destroy();
          if (!res.headersSent) res.writeHead(204).end();
          resolve();
        }, NO_ANSWER_GRACE_MS);
    });
    req.pipe(proxyReq);
  });
  const [result, delivered] = await Promise.allSettled([invocation, proxied]);
  const outcome: InvocationResult =
    result.status === 'fulfilled'
      ? result.value
      : {
          ok: false,
          error: result.reason instanceof Error ? result.reason : new Error(String(result.reason)),
        };
  if (!outcome.ok) {
    if (res.headersSent) return void res.destroy();
    sendJson(res, 500, {
      error: 'FunctionInvocationFailed',
      message: outcome.error.message,
    });
    return;
  }
  if (delivered.status === 'rejected' && !res.writableFinished) res.destroy();
}
