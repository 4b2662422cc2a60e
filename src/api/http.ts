/** JSON responses and errors for the HTTP API: every 4xx has a JSON body naming the field, never a stack. */
import type { HttpResponseInit } from '@azure/functions';
import type { z } from 'zod';

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

/** Seconds a client should wait before retrying a request answered 503. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * Runs a handler body; ApiErrors become their JSON response. Anything else is a dependency that failed
 * (storage, the durable engine) after its own retries: a JSON 503 with Retry-After, never a 500, and the
 * cause goes to the function log only. Every handler is safe to retry (a start is idempotent by run id).
 */
export async function handle(
  body: () => Promise<HttpResponseInit>,
  log: (line: string) => void,
): Promise<HttpResponseInit> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof ApiError) return errorResponse(error);
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

/** The request body as JSON, or a 400 that says why not. */
export async function readJson(request: { text(): Promise<string> }): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === '')
    throw new ApiError(400, 'invalid_request', 'the request body is empty; send a JSON object', [
      { path: '(body)', message: 'expected a JSON object' },
    ]);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : 'not JSON';
    throw new ApiError(400, 'invalid_json', `the request body is not valid JSON: ${message}`, [
      { path: '(body)', message: 'expected JSON' },
    ]);
  }
}
