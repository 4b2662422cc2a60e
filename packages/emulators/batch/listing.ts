import { errors } from './errors';
import type { Reply } from './http-types';
import type { JobRecord, PoolRecord, TaskRecord } from './model';
import { compileFilter, type FilterFields, type Predicate } from './odata-filter';

export const TASK_FILTER_FIELDS: FilterFields<TaskRecord> = {
  id: { kind: 'string', read: (t) => t.id },
  state: { kind: 'string', read: (t) => t.state },
  previousState: { kind: 'string', read: (t) => t.previousState },
  creationTime: { kind: 'date', read: (t) => t.creationTime },
  stateTransitionTime: { kind: 'date', read: (t) => t.stateTransitionTime },
  'executionInfo/exitCode': { kind: 'number', read: (t) => t.exec.exitCode },
  'executionInfo/result': { kind: 'string', read: (t) => t.exec.result },
  'executionInfo/retryCount': { kind: 'number', read: (t) => t.exec.retryCount },
  'executionInfo/requeueCount': { kind: 'number', read: (t) => t.exec.requeueCount },
  'executionInfo/startTime': { kind: 'date', read: (t) => t.exec.startTime },
  'executionInfo/endTime': { kind: 'date', read: (t) => t.exec.endTime },
};

export const JOB_FILTER_FIELDS: FilterFields<JobRecord> = {
  id: { kind: 'string', read: (j) => j.id },
  state: { kind: 'string', read: (j) => j.state },
  previousState: { kind: 'string', read: (j) => j.previousState },
  creationTime: { kind: 'date', read: (j) => j.creationTime },
  stateTransitionTime: { kind: 'date', read: (j) => j.stateTransitionTime },
  'executionInfo/startTime': { kind: 'date', read: (j) => j.creationTime },
  'executionInfo/endTime': { kind: 'date', read: (j) => j.endTime },
  'executionInfo/terminateReason': { kind: 'string', read: (j) => j.terminateReason },
  'poolInfo/poolId': { kind: 'string', read: (j) => j.poolId },
};

export const POOL_FILTER_FIELDS: FilterFields<PoolRecord> = {
  id: { kind: 'string', read: (p) => p.id },
  state: { kind: 'string', read: (p) => p.state },
  creationTime: { kind: 'date', read: (p) => p.creationTime },
};

export interface Page<T> {
  readonly items: T[];
  /** The seq to continue after, if more items may follow. */
  readonly next?: number;
}

/**
 * One page of `items` (in creation order) matching `$filter`, continuing after `$skiptoken`.
 * `maxresults` is 1..1000 (default 1000), as Batch allows.
 */
export function page<T extends { seq: number }>(
  items: Iterable<T>,
  query: URLSearchParams,
  fields: FilterFields<T>,
): Page<T> {
  const filterText = query.get('$filter');
  const predicate: Predicate<T> = filterText ? compileFilter(filterText, fields) : () => true;
  const maxText = query.get('maxresults');
  const max = maxText === null ? 1000 : Number(maxText);
  if (!Number.isInteger(max) || max < 1 || max > 1000) {
    throw errors.invalidQuery('maxresults', maxText ?? '', 'must be a whole number from 1 to 1000');
  }
  const tokenText = query.get('$skiptoken');
  const after = tokenText === null ? 0 : Number(Buffer.from(tokenText, 'base64url').toString('utf8'));
  if (!Number.isInteger(after))
    throw errors.invalidQuery('$skiptoken', tokenText ?? '', 'not a token this service issued');
  const out: T[] = [];
  for (const item of items) {
    if (item.seq <= after || !predicate(item)) continue;
    if (out.length === max) return { items: out, next: out[out.length - 1]?.seq };
    out.push(item);
  }
  return { items: out };
}

/** The `odata.nextLink` for a page: the same request with a `$skiptoken`. */
export function nextLink(
  baseUrl: string,
  path: string,
  query: URLSearchParams,
  next: number | undefined,
): string | undefined {
  if (next === undefined) return undefined;
  const q = new URLSearchParams(query);
  q.set('$skiptoken', Buffer.from(String(next)).toString('base64url'));
  return `${baseUrl}${path}?${q.toString().replace(/\+/g, '%20')}`;
}

/** `$select`: keeps only the listed top-level properties. */
export function select(entity: Record<string, unknown>, query: URLSearchParams): Record<string, unknown> {
  const text = query.get('$select');
  if (!text) return entity;
  const out: Record<string, unknown> = {};
  for (const name of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name))
      throw errors.invalidQuery('$select', text, `'${name}' is not a property name`);
    if (entity[name] !== undefined) out[name] = entity[name];
  }
  return out;
}

/** A list operation's reply: one page, `$select` applied, the OData metadata and next link. */
export function listReply<T extends { seq: number }>(
  ctx: { readonly baseUrl: string; readonly query: URLSearchParams },
  entitySet: 'jobs' | 'pools' | 'tasks',
  path: string,
  items: Iterable<T>,
  fields: FilterFields<T>,
  toWire: (item: T) => Record<string, unknown>,
): Reply {
  const result = page(items, ctx.query, fields);
  return {
    status: 200,
    body: {
      'odata.metadata': `${ctx.baseUrl}/$metadata#${entitySet}`,
      value: result.items.map((item) => select(toWire(item), ctx.query)),
      'odata.nextLink': nextLink(ctx.baseUrl, path, ctx.query, result.next),
    },
  };
}
