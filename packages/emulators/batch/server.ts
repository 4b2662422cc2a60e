import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultKind, MatchedFault } from '../common/faults';
import type { RequestRecorder } from '../common/recorder';
import { authenticate } from './auth';
import { BatchHttpError, newRequestId, odataError } from './errors';
import type { Reply, RequestContext, Route } from './http-types';
import { faultError, QUOTA_CODES, send } from './responses';
import type { TaskRunner } from './runner';
import type { Scheduler } from './scheduler';
import type { BatchState } from './state';

const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface ServerParts {
  readonly state: BatchState;
  readonly scheduler: Scheduler;
  readonly runner: TaskRunner;
  readonly recorder: RequestRecorder;
  readonly routes: readonly Route[];
  readonly key: string;
  admin(req: IncomingMessage, path: string, body: string): Promise<Reply> | Reply;
  /** Requests held open by a `hang` fault, answered never (destroyed on stop). */
  readonly hung: Set<IncomingMessage>;
}

export function createHandler(parts: ServerParts) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      void handle(
        parts,
        req,
        res,
        size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8'),
      );
    });
  };
}

async function handle(
  parts: ServerParts,
  req: IncomingMessage,
  res: ServerResponse,
  rawBody: string | undefined,
): Promise<void> {
  const { state } = parts;
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://emulator');
  const baseUrl = `http://${req.headers.host ?? '127.0.0.1'}`;
  const requestId = newRequestId();
  if (url.pathname.startsWith('/__admin/')) {
    const reply = await Promise.resolve(
      parts.admin(req, url.pathname.slice('/__admin/'.length), rawBody ?? ''),
    ).catch((error: Error) => ({ status: 400, body: { error: error.message } }));
    send(res, reply, requestId, baseUrl);
    return;
  }
  let route: Route | undefined;
  let params: Record<string, string> = {};
  for (const r of parts.routes) {
    if (r.method !== method) continue;
    const m = r.pattern.exec(url.pathname);
    if (m) {
      route = r;
      params = Object.fromEntries(Object.entries(m.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]));
      break;
    }
  }
  const operation = route?.operation ?? `Unknown_${method}`;
  const validationErrors: string[] = [];
  let fault: MatchedFault | undefined;
  const record = (status: number) =>
    parts.recorder.record({
      at: state.now(),
      method,
      path: url.pathname,
      status,
      operation,
      ...(fault ? { fault: fault.id } : {}),
      ...(typeof req.headers['x-ms-client-request-id'] === 'string'
        ? { clientRequestId: req.headers['x-ms-client-request-id'] }
        : {}),
      ...(validationErrors.length ? { validationErrors } : {}),
    });
  const fail = (error: BatchHttpError) => {
    const body =
      method === 'HEAD'
        ? undefined
        : odataError(baseUrl, error.code, error.message, requestId, state.now(), error.values);
    send(res, { status: error.status, body, headers: error.headers }, requestId, baseUrl);
    record(error.status);
  };
  try {
    if (rawBody === undefined)
      throw new BatchHttpError(
        413,
        'RequestBodyTooLarge',
        'The request body is too large and exceeds the maximum permissible limit.',
      );
    authenticate(
      { method, url: req.url ?? '/', headers: req.headers, rawBody },
      state.settings.account,
      parts.key,
    );
    if (!url.searchParams.get('api-version')) {
      throw new BatchHttpError(
        400,
        'MissingRequiredQueryParameter',
        'A query parameter that is mandatory for this request is not specified.',
        [{ key: 'QueryParameterName', value: 'api-version' }],
      );
    }
    if (!route)
      throw new BatchHttpError(
        400,
        'InvalidUri',
        'The requested URI does not represent any resource on the server.',
        [{ key: 'Path', value: url.pathname }],
      );
    let body: unknown;
    if (rawBody.length) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        throw new BatchHttpError(
          400,
          'InvalidRequestBody',
          'The specified Request Body is not syntactically valid.',
        );
      }
    }
    const resource = params.taskId
      ? `${params.jobId}/${params.taskId}`
      : (params.jobId ??
        params.poolId ??
        ((body as { id?: unknown } | undefined)?.id as string | undefined) ??
        '');
    const kinds: FaultKind[] = [
      'throttle',
      'server-error',
      'no-response',
      'hang',
      ...(QUOTA_CODES[operation] ? (['quota'] as const) : []),
    ];
    fault = state.faults.match('batch', operation, resource, kinds);
    if (fault?.kind === 'no-response') {
      record(0);
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'hang') {
      record(0);
      parts.hung.add(req);
      return;
    }
    const ctx: RequestContext = {
      method,
      path: url.pathname,
      query: url.searchParams,
      params,
      headers: req.headers,
      rawBody,
      body,
      baseUrl,
      state,
      scheduler: parts.scheduler,
      runner: parts.runner,
      validationErrors,
    };
    if (fault) {
      if (fault.kind === 'server-error' && fault.commit)
        await Promise.resolve(route.handle(ctx)).catch(() => undefined);
      throw faultError(fault, operation);
    }
    const reply = await route.handle(ctx);
    send(
      res,
      reply,
      requestId,
      baseUrl,
      method,
      req.headers['return-client-request-id'] === 'true' ? req.headers['client-request-id'] : undefined,
    );
    record(reply.status);
  } catch (error) {
    if (error instanceof BatchHttpError) fail(error);
    else
      fail(
        new BatchHttpError(
          500,
          'InternalError',
          `The server encountered an internal error: ${(error as Error).message}`,
        ),
      );
  }
}
