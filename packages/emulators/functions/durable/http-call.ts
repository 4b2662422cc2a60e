/**
 * `callHttp` (docs/durable-engine.md, 'callHttp'): the built-in HTTP activity. Requests go to loopback
 * targets only; the result is the extension's DurableHttpResponse JSON. With the async pattern on, a 202 with
 * a Location header makes the library allocate a timer and a poll request at once (both follow-ups of that
 * completion).
 */
import { EventType, historyEvent, type HistoryEvent } from './history';
import { activityFailure } from './failures';

export interface HttpRequestWire {
  readonly method?: string;
  readonly uri?: string;
  readonly content?: string;
  readonly headers?: Record<string, string>;
  readonly tokenSource?: unknown;
  readonly asynchronousPatternEnabled?: boolean;
}

export const HTTP_ACTIVITY = 'BuiltIn::HttpActivity';
const DEFAULT_POLL_MS = 30000;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** For a completed polling request answered 202 + Location: the poll request and the delay before it. */
export function pollAfter(
  request: HttpRequestWire,
  event: HistoryEvent,
): { poll: HttpRequestWire; delayMs: number } | undefined {
  if (event.EventType !== EventType.TaskCompleted || request.asynchronousPatternEnabled === false)
    return undefined;
  let response: { statusCode?: number; headers?: Record<string, unknown> };
  try {
    response = JSON.parse(event.Result as string) as typeof response;
  } catch {
    return undefined;
  }
  if (response.statusCode !== 202) return undefined;
  const header = (name: string) => {
    const key = Object.keys(response.headers ?? {}).find((k) => k.toLowerCase() === name);
    const value = key ? response.headers![key] : undefined;
    return Array.isArray(value) ? String(value[0]) : typeof value === 'string' ? value : undefined;
  };
  const location = header('location');
  if (!location) return undefined;
  const retryAfter = Number(header('retry-after'));
  const headers = Object.fromEntries(
    Object.entries(request.headers ?? {}).filter(([k]) => k.toLowerCase() !== 'x-functions-key'),
  );
  return {
    poll: { method: 'GET', uri: location, headers, asynchronousPatternEnabled: true },
    delayMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : DEFAULT_POLL_MS,
  };
}

/** Performs the request and returns the completion event for task `id`. */
export async function runHttpCall(
  id: number,
  request: HttpRequestWire,
  now: () => number,
): Promise<HistoryEvent> {
  const fail = (message: string) => {
    const f = activityFailure(HTTP_ACTIVITY, new Error(message));
    return historyEvent(EventType.TaskFailed, now(), {
      TaskScheduledId: id,
      Reason: f.reason,
      Details: f.details,
      FailureDetails: null,
    });
  };
  if (request.tokenSource)
    return fail(
      'callHttp with a managed identity tokenSource is not supported by the embedded Durable engine.',
    );
  let url: URL;
  try {
    url = new URL(request.uri ?? '');
  } catch {
    return fail(`callHttp needs an absolute http(s) URL; got '${request.uri ?? ''}'.`);
  }
  if (!/^https?:$/.test(url.protocol) || !LOOPBACK.has(url.hostname)) {
    return fail(
      `callHttp targets are limited to loopback http(s) URLs in the embedded Durable engine; got host '${url.hostname}'.`,
    );
  }
  try {
    const method = (request.method ?? 'GET').toUpperCase();
    const body = method === 'GET' || method === 'HEAD' ? undefined : request.content;
    const res = await fetch(url, {
      method,
      headers: request.headers ?? {},
      ...(body !== undefined ? { body } : {}),
    });
    const headers: Record<string, string> = {};
    res.headers.forEach((value, key) => (headers[key] = value));
    const content = await res.text();
    return historyEvent(EventType.TaskCompleted, now(), {
      TaskScheduledId: id,
      Result: JSON.stringify({ statusCode: res.status, headers, content }),
    });
  } catch (error) {
    return fail(
      `callHttp to ${url.origin}${url.pathname} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
