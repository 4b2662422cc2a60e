import type { ServerResponse } from 'node:http';
import type { MatchedFault } from '../common/faults';
import { BatchHttpError } from './errors';
import type { Reply } from './http-types';

/** Operations a `quota` fault can hit, with Batch's code and message for each. */
export const QUOTA_CODES: Record<string, [string, string]> = {
  Job_Add: [
    'ActiveJobAndScheduleQuotaReached',
    'Active job and schedule quota for the account has been reached.',
  ],
  Pool_Add: ['PoolQuotaReached', 'The pool quota for the account has been reached.'],
};

/** The wire error a request fault turns into (F12, F14 in docs/emulators.md, 'Failure catalogue'). */
export function faultError(fault: MatchedFault, operation: string): BatchHttpError {
  switch (fault.kind) {
    case 'throttle':
      return new BatchHttpError(
        429,
        'TooManyRequests',
        'The server is throttling requests; retry later.',
        [],
        { 'Retry-After': String(fault.retryAfterSeconds ?? 1) },
      );
    case 'quota': {
      const [code, message] = QUOTA_CODES[operation] ?? [
        'ActiveJobAndScheduleQuotaReached',
        'Quota reached.',
      ];
      return new BatchHttpError(409, code, message);
    }
    default:
      return (fault.status ?? 503) === 500
        ? new BatchHttpError(
            500,
            'OperationTimedOut',
            'The operation could not be completed within the permitted time.',
          )
        : new BatchHttpError(
            fault.status ?? 503,
            'ServerBusy',
            'The server is currently unable to receive requests. Please retry your request.',
          );
  }
}

export function send(
  res: ServerResponse,
  reply: Reply,
  requestId: string,
  _baseUrl: string,
  method = 'GET',
  clientRequestId?: string | string[],
): void {
  const headers: Record<string, string> = {
    'request-id': requestId,
    DataServiceVersion: '3.0',
    ...reply.headers,
  };
  if (typeof clientRequestId === 'string') headers['client-request-id'] = clientRequestId;
  let payload: Buffer | undefined;
  if (reply.raw) payload = reply.raw;
  else if (reply.body !== undefined) {
    payload = Buffer.from(JSON.stringify(reply.body));
    headers['Content-Type'] = 'application/json;odata=minimalmetadata';
  }
  headers['Content-Length'] = String(payload?.length ?? 0);
  res.writeHead(reply.status, headers);
  res.end(method === 'HEAD' ? undefined : payload);
}
