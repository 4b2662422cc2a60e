import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ArmError } from './errors';
import { API_VERSION, OPERATION_API_VERSION } from './options';
import type { RouteMatch } from './routes';
import type { Reply } from './store';
import { requestKind } from './throttling';

const MAX_BODY_BYTES = 4 * 1024 * 1024;

export function checkApiVersion(route: RouteMatch, version: string | null): ArmError | undefined {
  if (version === null)
    return new ArmError(
      400,
      'MissingApiVersionParameter',
      'The api-version query parameter (?api-version=) is required for all requests.',
    );
  const supported = route.apiVersion === 'operation' ? [OPERATION_API_VERSION, API_VERSION] : [API_VERSION];
  if (supported.includes(version)) return undefined;
  return new ArmError(
    400,
    'NoRegisteredProviderFound',
    `No registered resource provider found for location '${route.params.location ?? 'eastus'}' and API version '${version}' for type 'containerGroups'. The supported api-versions are '${supported.join(', ')}'.`,
  );
}

export function send(res: ServerResponse, reply: Reply, headers: Record<string, string>): void {
  const all = { ...headers, ...reply.headers };
  if (reply.body === undefined) {
    res.writeHead(reply.status, all);
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    ...all,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

export function armHeaders(
  method: string,
  clientRequestId: string | undefined,
  remaining?: number,
): Record<string, string> {
  const kind = requestKind(method);
  return {
    'x-ms-request-id': randomUUID(),
    'x-ms-correlation-request-id': clientRequestId ?? randomUUID(),
    [`x-ms-ratelimit-remaining-subscription-${kind}`]: String(remaining ?? (kind === 'reads' ? 249 : 199)),
  };
}

export const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

export function parseJson(raw: string): { value: unknown; error?: string } {
  if (raw.trim() === '') return { value: undefined };
  try {
    return { value: JSON.parse(raw) as unknown };
  } catch (error) {
    return { value: undefined, error: (error as Error).message };
  }
}

/** The body as text, or undefined when it is larger than the limit. */
export async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size <= MAX_BODY_BYTES) chunks.push(buf);
  }
  return size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8');
}
