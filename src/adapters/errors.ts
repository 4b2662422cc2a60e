import { redact } from './redact';

/**
 * The error taxonomy shared by the compute and storage adapters. Every SDK failure becomes a AdapterError
 * with a stable `code` and a `kind`:
 * - `transient`: try again soon (429, 5xx, timeouts, lost connections, registry hiccups, transitioning);
 * - `capacity`: a quota or regional capacity the request fits in later: back-pressure, not a failure;
 * - `permanent`: retrying cannot help (inaccessible image, bad request, auth, a quota it can never fit).
 */
export type ErrorKind = 'transient' | 'capacity' | 'permanent';

export type AdapterErrorCode =
  | 'THROTTLED'
  | 'SERVER_ERROR'
  | 'TIMEOUT'
  | 'NETWORK'
  | 'TRANSITIONING'
  | 'REGISTRY_ERROR'
  | 'CAPACITY'
  | 'QUOTA_TOO_SMALL'
  | 'IMAGE_INACCESSIBLE'
  | 'BAD_REQUEST'
  | 'AUTH'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'SECRET_UNRESOLVED'
  | 'UNKNOWN';

export interface ErrorContext {
  readonly service: 'aci' | 'batch' | 'blob' | 'secrets';
  readonly operation: string;
}

export class AdapterError extends Error {
  constructor(
    readonly code: AdapterErrorCode,
    readonly kind: ErrorKind,
    message: string,
    readonly context: ErrorContext,
    readonly details: { status?: number; serviceCode?: string; retryAfterMs?: number } = {},
  ) {
    super(redact(message));
    this.name =
      kind === 'permanent'
        ? 'PermanentAdapterError'
        : kind === 'capacity'
          ? 'CapacityError'
          : 'TransientAdapterError';
  }

  get retryable(): boolean {
    return this.kind !== 'permanent';
  }

  /** How long the service asked us to wait, when it said so. */
  get retryAfterMs(): number | undefined {
    return this.details.retryAfterMs;
  }

  /** Plain data for activity results and logs (no stack, no secrets). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      kind: this.kind,
      message: this.message,
      ...this.context,
      ...this.details,
    };
  }
}

interface SdkErrorLike {
  name?: string;
  code?: string;
  statusCode?: number;
  message?: unknown;
  body?: {
    message?: { value?: string } | string;
    code?: string;
    error?: { code?: string; message?: string };
  };
  response?: { headers?: { get(name: string): string | undefined | null } };
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'REQUEST_SEND_ERROR',
  'PARSE_ERROR',
  'UND_ERR_SOCKET',
]);

/** Retry-After (seconds or HTTP date), retry-after-ms or x-ms-retry-after-ms, in milliseconds. */
export function retryAfterMsOf(error: unknown, now = Date.now()): number | undefined {
  const headers = (error as SdkErrorLike).response?.headers;
  if (!headers || typeof headers.get !== 'function') return undefined;
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const v = Number(headers.get(name));
    if (headers.get(name) && Number.isFinite(v) && v >= 0) return v;
  }
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function messageOf(error: SdkErrorLike): string {
  const bodyMessage = error.body?.message;
  if (typeof bodyMessage === 'object' && bodyMessage?.value)
    return bodyMessage.value.split('\nRequestId:')[0] ?? '';
  if (typeof bodyMessage === 'string') return bodyMessage;
  if (error.body?.error?.message) return error.body.error.message;
  if (typeof error.message === 'string') return error.message;
  if (typeof error.message === 'object' && error.message !== null) {
    const v = (error.message as { value?: unknown }).value;
    if (typeof v === 'string') return v.split('\nRequestId:')[0] ?? '';
  }
  return error.name ?? 'unknown error';
}

/** `Limit: '10', Usage: '10' Requested: '1'` -> true when the request alone exceeds the limit. */
function neverFits(message: string): boolean {
  const limit = /Limit:\s*'([\d.]+)'/.exec(message);
  const requested = /Requested:\s*'([\d.]+)'/.exec(message);
  return !!limit && !!requested && Number(requested[1]) > Number(limit[1]);
}

/** Turns any failure of an SDK call into a AdapterError (returns it unchanged if it already is one). */
export function classify(error: unknown, context: ErrorContext): AdapterError {
  if (error instanceof AdapterError) return error;
  const e = (
    typeof error === 'object' && error !== null ? error : { message: String(error) }
  ) as SdkErrorLike;
  const status = e.statusCode;
  const serviceCode =
    e.body?.error?.code ?? (typeof e.body?.code === 'string' ? e.body.code : undefined) ?? e.code;
  const text = messageOf(e);
  const details = {
    ...(status !== undefined ? { status } : {}),
    ...(serviceCode ? { serviceCode } : {}),
    ...(retryAfterMsOf(error) !== undefined ? { retryAfterMs: retryAfterMsOf(error) } : {}),
  };
  const where = `${context.service} ${context.operation}`;
  const make = (code: AdapterErrorCode, kind: ErrorKind, extra?: { retryAfterMs?: number }) =>
    new AdapterError(
      code,
      kind,
      `${where} failed (${code}${status ? ` ${status}` : ''}${serviceCode ? ` ${serviceCode}` : ''}): ${text}`,
      context,
      {
        ...details,
        ...(details.retryAfterMs === undefined ? extra : {}),
      },
    );

  if (
    e.name === 'AbortError' ||
    e.code === 'REQUEST_ABORTED_ERROR' ||
    (/aborted/i.test(text) && status === undefined)
  )
    return make('TIMEOUT', 'transient');
  if (status === undefined && e.code && NETWORK_CODES.has(e.code)) return make('NETWORK', 'transient');
  switch (serviceCode) {
    case 'ContainerGroupQuotaReached':
    case 'ActiveJobAndScheduleQuotaReached':
    case 'PoolQuotaReached':
    case 'AccountCoreQuotaReached':
      return neverFits(text)
        ? make('QUOTA_TOO_SMALL', 'permanent')
        : make('CAPACITY', 'capacity', { retryAfterMs: 60_000 });
    case 'ServiceUnavailable':
      if (status === 409) return make('CAPACITY', 'capacity', { retryAfterMs: 60_000 });
      break;
    case 'RegistryErrorResponse':
      return make('REGISTRY_ERROR', 'transient', { retryAfterMs: 60_000 });
    case 'ContainerGroupTransitioning':
      return make('TRANSITIONING', 'transient', { retryAfterMs: 5_000 });
    case 'InaccessibleImage':
    case 'ContainerInvalidImage':
      return make('IMAGE_INACCESSIBLE', 'permanent');
    case 'ServerBusy':
    case 'OperationTimedOut':
    case 'InternalError':
      return make('SERVER_ERROR', 'transient');
    default:
      break;
  }
  if (status === undefined && /long-running operation has failed/i.test(text))
    return /not available|capacity/i.test(text)
      ? make('CAPACITY', 'capacity', { retryAfterMs: 60_000 })
      : make('SERVER_ERROR', 'transient');
  if (status === 429) return make('THROTTLED', 'transient', { retryAfterMs: 30_000 });
  if (status === 408 || (status !== undefined && status >= 500)) return make('SERVER_ERROR', 'transient');
  if (status === 401 || status === 403) return make('AUTH', 'permanent');
  if (status === 404) return make('NOT_FOUND', 'permanent');
  if (status === 409 || status === 412) return make('CONFLICT', 'permanent');
  if (status !== undefined && status >= 400) return make('BAD_REQUEST', 'permanent');
  if (status === undefined && e.code && /^E[A-Z]+$/.test(e.code)) return make('NETWORK', 'transient');
  return make('UNKNOWN', 'transient');
}

export const isNotFound = (error: unknown): boolean =>
  (error as SdkErrorLike)?.statusCode === 404 ||
  (error instanceof AdapterError && error.code === 'NOT_FOUND');
