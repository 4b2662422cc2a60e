/** JSON responses and errors for the HTTP API: every 4xx has a JSON body naming the field, never a stack. */
import type { HttpResponseInit } from '@azure/functions';
import type { z } from 'zod';
import { AdapterError } from '../adapters/errors';
import { INPUT_LIMITS } from '../pipeline/limits';
import { nestingDepth } from '../pipeline/parse';

export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly FieldError[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: body, headers: { 'content-type': 'application/json', ...headers } };
}

export function errorResponse(error: ApiError): HttpResponseInit {
  return json(error.status, {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details.length ? { details: error.details } : {}),
    },
  });
}

/** Seconds a client is asked to wait before retrying a request answered 503. */
export const RETRY_AFTER_SECONDS = 5;

/** A storage failure that retrying later can fix (down, timing out, 5xx, throttled): the request gets 503. */
export function isStorageUnavailable(error: unknown): error is AdapterError {
  return error instanceof AdapterError && error.context.service === 'blob' && error.kind !== 'permanent';
}

export function storageUnavailable(error: AdapterError): HttpResponseInit {
  return json(
    503,
    {
      error: {
        code: 'storage_unavailable',
        message: `storage is unavailable (${error.context.operation}: ${error.code}); nothing was changed by this failure, retry in a few seconds`,
        dependency: 'storage',
      },
    },
    { 'retry-after': String(RETRY_AFTER_SECONDS) },
  );
}

/**
 * Runs a handler body; ApiErrors become their JSON response, storage outages a JSON 503 (docs/security.md,
 * "Storage failures"). Anything else is a dependency that failed (the durable engine) after its own
 * retries: a JSON 503 with Retry-After, never a 500; the cause goes to the function log only. Every handler
 * is safe to retry (a start is idempotent by run id).
 */
export async function handle(
  body: () => Promise<HttpResponseInit>,
  log: (line: string) => void,
): Promise<HttpResponseInit> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof ApiError) return errorResponse(error);
    if (isStorageUnavailable(error)) {
      log(`request failed: storage unavailable error=${error.code} operation=${error.context.operation}`);
      return storageUnavailable(error);
    }
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    log(`request failed error=${message}`);
    return json(
      503,
      {
        error: {
          code: 'unavailable',
          message: 'a service this request needs did not answer in time; retry after a few seconds',
        },
      },
      { 'retry-after': String(RETRY_AFTER_SECONDS) },
    );
  }
}

/**
 * The query parameters a handler validates: `code` (the function key, as Azure Functions accepts it) is the
 * host's, not the handler's, and is left out.
 */
export function queryOf(request: { query: URLSearchParams }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of request.query.entries()) if (name !== 'code') out[name] = value;
  return out;
}

/** zod issues -> field errors (`images[2]: expected a string`). */
export function fieldErrors(error: z.ZodError, prefix = ''): FieldError[] {
  return error.issues.map((issue) => {
    const path = issue.path.reduce<string>(
      (acc, part) =>
        typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part),
      prefix,
    );
    return { path: path || '(body)', message: issue.message };
  });
}

export function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string, prefix = ''): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = fieldErrors(parsed.error, prefix);
  throw new ApiError(
    400,
    'invalid_request',
    `${what} is not valid: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
    details,
  );
}

/**
 * The request body as JSON, or a 4xx that says why not. A leading UTF-8 byte order mark is ignored (RFC 8259
 * allows it); bodies over INPUT_LIMITS.requestBodyMaxBytes are 413, nesting past maxDepth is 400.
 */
export async function readJson(request: { text(): Promise<string> }): Promise<unknown> {
  const raw = await request.text();
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  const bytes = Buffer.byteLength(text);
  if (bytes > INPUT_LIMITS.requestBodyMaxBytes)
    throw new ApiError(
      413,
      'body_too_large',
      `the request body is ${bytes} bytes; at most ${INPUT_LIMITS.requestBodyMaxBytes} bytes are allowed (limit requestBodyMaxBytes)`,
      [{ path: '(body)', message: `at most ${INPUT_LIMITS.requestBodyMaxBytes} bytes` }],
    );
  if (text.trim() === '')
    throw new ApiError(400, 'invalid_request', 'the request body is empty; send a JSON object', [
      { path: '(body)', message: 'expected a JSON object' },
    ]);
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    const message =
      error instanceof RangeError ? 'nested too deeply' : error instanceof Error ? error.message : 'not JSON';
    throw new ApiError(400, 'invalid_json', `the request body is not valid JSON: ${message}`, [
      { path: '(body)', message: 'expected JSON' },
    ]);
  }
  if (nestingDepth(value, INPUT_LIMITS.maxDepth) > INPUT_LIMITS.maxDepth)
    throw new ApiError(
      400,
      'too_deep',
      `the request body is nested more than ${INPUT_LIMITS.maxDepth} levels deep (limit maxDepth)`,
      [{ path: '(body)', message: `at most ${INPUT_LIMITS.maxDepth} levels of objects and lists` }],
    );
  return value;
}
