/**
 * The Durable HTTP management API, served under both `/durabletask/` (the client's rpcBaseUrl) and
 * `/runtime/webhooks/durabletask/` (the URLs from createCheckStatusResponse). Semantics: docs/durable-engine.md,
 * 'Management API'; who may call it is the server's decision (docs/functions-host.md, "Durable management API").
 */
import { entityRoute } from './entity-http';
import type * as http from 'node:http';
import type { RuntimeStatus } from '../contracts';
import { checkStatusPayload, RPC_PATH, WEBHOOK_PATH } from './client-binding';
import type { DurableEngine } from './engine';
import { EventType, historyEvent } from './history';
import type { InstanceRow } from './finished-index';
import { TERMINAL, type Instance } from './instance';
import { friendlyHistory, statusView } from './status';

const BASES = [`${WEBHOOK_PATH}/`, RPC_PATH];
const STATUSES: readonly RuntimeStatus[] = [
  'Pending',
  'Running',
  'Completed',
  'ContinuedAsNew',
  'Failed',
  'Canceled',
  'Terminated',
  'Suspended',
];
const DEFAULT_PAGE = 100;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Send the message as a bare JSON string (the client turns `response.data` into its error text). */
    readonly bare = false,
  ) {
    super(message);
  }
}

function send(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}

function parseBody(body: Buffer, what: string): string | null {
  const text = body.toString('utf8');
  if (text.trim() === '') return null;
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    throw new HttpError(
      400,
      `The ${what} must be JSON (Content-Type: application/json); the body is not valid JSON.`,
    );
  }
}

function validateInstanceId(id: string): void {
  if (id.length === 0 || id.length > 256)
    throw new HttpError(400, 'instanceId must be 1 to 256 characters long.');
  if (id.startsWith('@')) throw new HttpError(400, `instanceId '${id}' must not start with '@'.`);
  // eslint-disable-next-line no-control-regex
  if (/[/\\?#\u0000-\u001f\u007f]/.test(id)) {
    throw new HttpError(400, "instanceId must not contain '/', '\\', '?', '#' or control characters.");
  }
}

function parseTime(value: string | null, field: string): number | undefined {
  if (value === null || value === '') return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new HttpError(400, `${field} must be an ISO-8601 date-time; got '${value}'.`);
  return ms;
}

function parseStatuses(value: string | null): Set<RuntimeStatus> | undefined {
  if (!value) return undefined;
  const out = new Set<RuntimeStatus>();
  for (const raw of value.split(',')) {
    const name = STATUSES.find((s) => s.toLowerCase() === raw.trim().toLowerCase());
    if (!name) throw new HttpError(400, `runtimeStatus '${raw}' is not one of ${STATUSES.join(', ')}.`);
    out.add(name);
  }
  return out;
}

function statusBody(inst: Instance, query: URLSearchParams): Record<string, unknown> {
  const view: Record<string, unknown> = { ...statusView(inst) };
  if (query.get('showInput') === 'false') view.input = null;
  if (query.get('showHistory') === 'true') {
    view.historyEvents = friendlyHistory(
      inst.history,
      query.get('showHistoryOutput') === 'true',
      query.get('showInput') !== 'false',
    );
  }
  return view;
}

/** The rows the filter selects, in created-time order; finished instances are not loaded for this. */
async function matching(engine: DurableEngine, query: URLSearchParams): Promise<InstanceRow[]> {
  const from = parseTime(query.get('createdTimeFrom'), 'createdTimeFrom');
  const to = parseTime(query.get('createdTimeTo'), 'createdTimeTo');
  const statuses = parseStatuses(query.get('runtimeStatus'));
  const prefix = query.get('instanceIdPrefix') ?? '';
  return (await engine.rows())
    .filter((i) => (from === undefined || i.createdTime >= from) && (to === undefined || i.createdTime <= to))
    .filter((i) => !statuses || statuses.has(i.status))
    .filter((i) => i.instanceId.startsWith(prefix))
    .sort((a, b) => a.createdTime - b.createdTime || a.instanceId.localeCompare(b.instanceId));
}

export async function handleManagementRequest(
  engine: DurableEngine,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const base = BASES.find((b) => url.pathname.startsWith(b) || url.pathname === b.slice(0, -1));
  if (!base) return false;
  try {
    const segments = url.pathname
      .slice(base.length)
      .split('/')
      .map((segment) => {
        try {
          return decodeURIComponent(segment);
        } catch {
          throw new HttpError(400, `The path segment '${segment}' is not valid percent-encoding.`);
        }
      });
    await route(engine, req, res, body, url, segments);
  } catch (error) {
    if (error instanceof HttpError)
      send(res, error.status, error.bare ? error.message : { error: error.message });
    else send(res, 500, { error: 'The Durable management API failed to handle the request.' });
  }
  return true;
}

async function route(
  engine: DurableEngine,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
  url: URL,
  seg: string[],
): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const q = url.searchParams;
  const [head, id, action, extra] = seg;
  // Status URLs always point at the public webhook, also when the request came in on the private RPC listener.
  const rpcHost = engine.options.rpcUrl ? new URL(engine.options.rpcUrl).host : undefined;
  const origin =
    req.headers.host && req.headers.host !== rpcHost ? `http://${req.headers.host}` : engine.options.baseUrl;
  if (head === 'orchestrators' && id && seg.length <= 3) {
    if (method !== 'POST') throw new HttpError(405, 'Use POST to start an orchestration.');
    if (action !== undefined) validateInstanceId(action);
    const input = parseBody(body, 'orchestration input');
    const started = await engine.startNew(id, action, input, q.get('version') ?? '');
    if (!started.ok) throw new HttpError(started.status, started.message);
    const payload = checkStatusPayload(
      origin,
      engine.options.hubName,
      started.instanceId,
      engine.options.systemKey,
    );
    send(res, 202, payload, { Location: payload.statusQueryGetUri!, 'Retry-After': '10' });
    return;
  }
  if (head === 'entities') {
    const fail = (status: number, message: string) => new HttpError(status, message);
    return entityRoute(engine, method, seg, q, body, (status, payload) => send(res, status, payload), fail);
  }
  if (head !== 'instances')
    throw new HttpError(404, `No Durable management route matches '${url.pathname}'.`);
  if (!id) return collection(engine, req, res, q);
  if (action === undefined && method === 'DELETE') {
    if (!(await engine.purge(id))) throw new HttpError(404, `No instance with ID '${id}' found.`);
    send(res, 200, { instancesDeleted: 1 });
    return;
  }
  const inst = await engine.lookup(id);
  if (action === undefined) {
    if (method !== 'GET') throw new HttpError(405, 'Use GET or DELETE on an instance.');
    if (!inst) throw new HttpError(404, `No instance with ID '${id}' found.`);
    const done = TERMINAL.has(inst.status);
    send(
      res,
      done ? 200 : 202,
      statusBody(inst, q),
      done ? {} : { Location: `${origin}${url.pathname}${url.search}`, 'Retry-After': '5' },
    );
    return;
  }
  if (method !== 'POST') throw new HttpError(405, `Use POST for '${action}'.`);
  if (!inst) throw new HttpError(404, `No instance with ID '${id}' found.`);
  await instanceAction(engine, inst, action, extra, q, body);
  send(res, 202, undefined);
}

async function instanceAction(
  engine: DurableEngine,
  inst: Instance,
  action: string,
  eventName: string | undefined,
  q: URLSearchParams,
  body: Buffer,
): Promise<void> {
  const gone = () => new HttpError(410, `Instance '${inst.instanceId}' is already ${inst.status}.`);
  const reason = q.get('reason') ?? '';
  const now = engine.now();
  switch (action) {
    case 'raiseEvent': {
      if (!eventName)
        throw new HttpError(400, 'raiseEvent needs an event name: instances/{id}/raiseEvent/{eventName}.');
      const input = parseBody(body, 'event data');
      const result = await engine.enqueue(
        inst.instanceId,
        historyEvent(EventType.EventRaised, now, { Name: eventName, Input: input }),
      );
      if (result === 'gone') throw gone();
      return;
    }
    case 'terminate':
      if (
        (await engine.enqueue(
          inst.instanceId,
          historyEvent(EventType.ExecutionTerminated, now, { Input: reason }),
        )) === 'gone'
      ) {
        throw gone();
      }
      return;
    case 'suspend':
    case 'resume': {
      if (TERMINAL.has(inst.status)) throw gone();
      const suspended = engine.effectivelySuspended(inst);
      if (action === 'suspend' && suspended)
        throw new HttpError(409, `Instance '${inst.instanceId}' is already suspended.`);
      if (action === 'resume' && !suspended)
        throw new HttpError(409, `Instance '${inst.instanceId}' is not suspended.`);
      const type = action === 'suspend' ? EventType.ExecutionSuspended : EventType.ExecutionResumed;
      await engine.enqueue(inst.instanceId, historyEvent(type, now, { Reason: reason }));
      return;
    }
    case 'rewind':
      if (inst.status === 'Completed' || inst.status === 'Terminated' || inst.status === 'Canceled')
        throw gone();
      throw new HttpError(501, 'The rewind operation is not supported by the embedded Durable engine.', true);
    case 'restart':
      throw new HttpError(501, 'The restart operation is not supported by the embedded Durable engine.');
    default:
      throw new HttpError(
        404,
        `Unknown instance operation '${action}'; allowed: raiseEvent, terminate, suspend, resume.`,
      );
  }
}

async function collection(
  engine: DurableEngine,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  q: URLSearchParams,
): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  if (method === 'DELETE') {
    if (!q.get('createdTimeFrom')) throw new HttpError(400, 'Purging by filter needs createdTimeFrom.');
    if (!q.get('createdTimeTo')) q.set('createdTimeTo', new Date(engine.now()).toISOString());
    const victims = await matching(engine, q);
    for (const row of victims) await engine.purge(row.instanceId);
    if (victims.length === 0) throw new HttpError(404, 'No instances matched the purge filter.');
    send(res, 200, { instancesDeleted: victims.length });
    return;
  }
  if (method !== 'GET') throw new HttpError(405, 'Use GET or DELETE on instances/.');
  const all = await matching(engine, q);
  const topText = q.get('top');
  const top = topText ? Number(topText) : DEFAULT_PAGE;
  if (!Number.isInteger(top) || top <= 0)
    throw new HttpError(400, `top must be a positive integer; got '${topText}'.`);
  const header = req.headers['x-ms-continuation-token'];
  const token = (Array.isArray(header) ? header[0] : header) ?? '';
  const offset = token ? Number(Buffer.from(token, 'base64').toString('utf8')) || 0 : 0;
  const page: Instance[] = [];
  // Only the page's instances are read (finished ones from disk); one purged meanwhile is left out.
  for (const row of all.slice(offset, offset + top)) {
    const inst = await engine.lookup(row.instanceId);
    if (inst) page.push(inst);
  }
  const next = offset + top < all.length ? Buffer.from(String(offset + top)).toString('base64') : '';
  send(
    res,
    200,
    page.map((i) => statusBody(i, q)),
    next ? { 'x-ms-continuation-token': next } : {},
  );
}
