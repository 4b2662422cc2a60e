/**
 * Moving HTTP requests and responses between Node's server and the library's RPC shapes
 * (docs/functions-host.md, 'HTTP requests and responses').
 */
import type * as http from 'node:http';
import type { RpcTypedData } from './contracts';

export async function readBody(req: http.IncomingMessage, limitBytes = 100 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new HttpError(413, `The request body is larger than ${limitBytes} bytes.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** The `{ http: ... }` trigger data for an incoming request (`url` absolute, multi-valued headers joined). */
export function toRpcHttpRequest(
  req: http.IncomingMessage,
  url: URL,
  params: Record<string, string>,
  body: Buffer,
): RpcTypedData {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  const query: Record<string, string> = {};
  for (const key of new Set(url.searchParams.keys())) query[key] = url.searchParams.getAll(key).join(',');
  return {
    http: {
      method: req.method ?? 'GET',
      url: url.toString(),
      headers,
      query,
      params,
      body: { bytes: new Uint8Array(body) },
    },
  };
}

interface RpcHttpResponse {
  statusCode?: string;
  headers?: Record<string, string>;
  cookies?: RpcCookie[];
  body?: RpcTypedData;
}

interface RpcCookie {
  name: string;
  value: string;
  domain?: { value?: string };
  path?: { value?: string };
  expires?: { value?: { seconds?: number } };
  secure?: { value?: boolean };
  httpOnly?: { value?: boolean };
  sameSite?: string;
  maxAge?: { value?: number };
}

function cookieHeader(cookie: RpcCookie): string {
  const parts = [`${cookie.name}=${cookie.value}`];
  if (cookie.domain?.value) parts.push(`Domain=${cookie.domain.value}`);
  if (cookie.path?.value) parts.push(`Path=${cookie.path.value}`);
  const seconds = cookie.expires?.value?.seconds;
  if (seconds !== undefined) parts.push(`Expires=${new Date(seconds * 1000).toUTCString()}`);
  if (cookie.maxAge?.value !== undefined) parts.push(`Max-Age=${cookie.maxAge.value}`);
  if (cookie.secure?.value) parts.push('Secure');
  if (cookie.httpOnly?.value) parts.push('HttpOnly');
  const sameSite = { lax: 'Lax', strict: 'Strict', explicitNone: 'None' }[cookie.sameSite ?? ''];
  if (sameSite) parts.push(`SameSite=${sameSite}`);
  return parts.join('; ');
}

function bodyBytes(body: RpcTypedData | undefined): Buffer {
  if (!body) return Buffer.alloc(0);
  if (body.bytes) return Buffer.from(body.bytes);
  if (body.string !== undefined) return Buffer.from(body.string);
  if (body.json !== undefined) return Buffer.from(body.json);
  if (body.int !== undefined) return Buffer.from(String(body.int));
  if (body.double !== undefined) return Buffer.from(String(body.double));
  return Buffer.alloc(0);
}

/** Writes the function's `$return` http value; a handler that returned nothing answers 204. */
export function writeRpcHttpResponse(res: http.ServerResponse, returnValue: RpcTypedData | undefined): void {
  const rpc = returnValue?.http as RpcHttpResponse | undefined;
  if (!rpc) {
    res.writeHead(204);
    res.end();
    return;
  }
  const body = bodyBytes(rpc.body);
  const status = Number(rpc.statusCode ?? 200) || 200;
  for (const [key, value] of Object.entries(rpc.headers ?? {})) res.setHeader(key, value);
  if (rpc.cookies?.length) res.setHeader('set-cookie', rpc.cookies.map(cookieHeader));
  if (status === 204 || status === 304 || status < 200) {
    res.removeHeader('content-length');
    res.writeHead(status);
    res.end();
    return;
  }
  res.setHeader('content-length', body.length);
  res.writeHead(status);
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
