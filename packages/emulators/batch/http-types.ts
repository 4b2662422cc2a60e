import type { IncomingHttpHeaders } from 'node:http';
import { formatIssues, validateBatchBody, type BatchBodyModel } from '../common/mapper-schema';
import { BatchHttpError, errors } from './errors';
import type { TaskRunner } from './runner';
import type { Scheduler } from './scheduler';
import type { BatchState } from './state';

export interface RequestContext {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly params: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  /** Parsed JSON body (undefined when empty). */
  readonly body: unknown;
  /** Scheme, host and port as the client addressed us (for url, odata.nextLink, DataServiceId). */
  readonly baseUrl: string;
  readonly state: BatchState;
  readonly scheduler: Scheduler;
  readonly runner: TaskRunner;
  /** Validation problems of this request's body, for the recorder. */
  readonly validationErrors: string[];
}

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** A file download (file.getFromTask). */
  readonly raw?: Buffer;
}

export interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  /** Operation name as in the REST spec, e.g. `Task_AddCollection`. */
  readonly operation: string;
  handle(ctx: RequestContext): Reply | Promise<Reply>;
}

/** Validates the body against the SDK mapper schema; a 400 in Batch's shape names the first problem. */
export function validateBody<T>(ctx: RequestContext, model: BatchBodyModel): T {
  if (ctx.body === undefined) throw errors.missingProperty('(body)');
  const result = validateBatchBody(model, ctx.body);
  if (result.ok) return ctx.body as T;
  ctx.validationErrors.push(...formatIssues(result.errors).split('\n'));
  const first = result.errors[0];
  const path = first?.path ?? '(body)';
  const message = first?.message ?? 'is invalid';
  if (message.startsWith('is required')) throw errors.missingProperty(path);
  if (message.startsWith('is not a property')) {
    throw new BatchHttpError(
      400,
      'UnsupportedProperty',
      'One of the properties specified in the request body is not supported.',
      [
        { key: 'PropertyName', value: path },
        { key: 'Reason', value: message },
      ],
    );
  }
  throw errors.invalidProperty(path, message);
}

/** 412 ConditionNotMet when If-Match does not name the current ETag. */
export function checkIfMatch(ctx: RequestContext, eTag: string): void {
  const ifMatch = ctx.headers['if-match'];
  if (ifMatch && ifMatch !== '*' && ifMatch !== eTag) throw errors.conditionNotMet(false);
}

/** 304 ConditionNotMet on reads when If-None-Match names the current ETag. */
export function checkIfNoneMatch(ctx: RequestContext, eTag: string): void {
  const ifNoneMatch = ctx.headers['if-none-match'];
  if (ifNoneMatch && (ifNoneMatch === '*' || ifNoneMatch === eTag)) throw errors.conditionNotMet(true);
}

export const entityHeaders = (
  eTag: string,
  lastModified: number,
  dataServiceId?: string,
): Record<string, string> => ({
  ETag: eTag,
  'Last-Modified': new Date(lastModified).toUTCString(),
  ...(dataServiceId ? { DataServiceId: dataServiceId } : {}),
});

/** Batch ids: letters, digits, hyphens and underscores, at most 64 characters. */
export function checkId(id: unknown, path = 'id'): string {
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) {
    throw errors.invalidProperty(path, 'ids are 1 to 64 letters, digits, hyphens or underscores');
  }
  return id;
}
