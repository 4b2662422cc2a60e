import { RestError, createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { HttpHeaders, RestError as MsRestError, WebResource } from '@azure/ms-rest-js';
import { AdapterError, classify, retryAfterMsOf } from '../../../src/adapters/errors';

const ctx = { service: 'aci', operation: 'ContainerGroups_CreateOrUpdate' } as const;

/** A RestError as core-client raises it for an ARM CloudError body. */
function armError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): RestError {
  const request = createPipelineRequest({ url: 'https://127.0.0.1/x' });
  const error = new RestError(message, {
    statusCode: status,
    code,
    request,
    response: { status, headers: createHttpHeaders(headers), request, bodyAsText: '' },
  });
  (error as unknown as { details: unknown }).details = { error: { code, message } };
  return error;
}

/** An ms-rest-js RestError as @azure/batch raises it for an OData error body. */
function batchError(
  status: number,
  code: string,
  value: string,
  headers: Record<string, string> = {},
): MsRestError {
  const response = { status, headers: new HttpHeaders(headers), request: new WebResource(), bodyAsText: '' };
  const error = new MsRestError(value, code, status, new WebResource(), response);
  (error as unknown as { body: unknown }).body = {
    code,
    message: { lang: 'en-US', value: `${value}\nRequestId:1\nTime:x` },
  };
  return error;
}

describe('classify', () => {
  it.each([
    [
      armError(429, 'SubscriptionRequestsThrottled', 'too many', { 'retry-after': '7' }),
      'THROTTLED',
      'transient',
      7000,
    ],
    [armError(500, 'InternalServerError', 'boom'), 'SERVER_ERROR', 'transient', undefined],
    [armError(503, 'ServiceUnavailable', 'later'), 'SERVER_ERROR', 'transient', undefined],
    [armError(409, 'RegistryErrorResponse', 'registry said no'), 'REGISTRY_ERROR', 'transient', 60000],
    [armError(409, 'ContainerGroupTransitioning', 'still transitioning'), 'TRANSITIONING', 'transient', 5000],
    [
      armError(409, 'ServiceUnavailable', 'The requested resource is not available'),
      'CAPACITY',
      'capacity',
      60000,
    ],
    [
      armError(
        400,
        'ContainerGroupQuotaReached',
        "quota 'StandardCores' exceeded. Limit: '10', Usage: '10' Requested: '1'.",
      ),
      'CAPACITY',
      'capacity',
      60000,
    ],
    [
      armError(
        400,
        'ContainerGroupQuotaReached',
        "quota 'V100Cores' exceeded. Limit: '0', Usage: '0' Requested: '1'.",
      ),
      'QUOTA_TOO_SMALL',
      'permanent',
      undefined,
    ],
    [
      armError(400, 'InaccessibleImage', "The image 'x' is not accessible"),
      'IMAGE_INACCESSIBLE',
      'permanent',
      undefined,
    ],
    [armError(400, 'InvalidRequestContent', 'bad'), 'BAD_REQUEST', 'permanent', undefined],
    [armError(403, 'AuthorizationFailed', 'no'), 'AUTH', 'permanent', undefined],
    [armError(404, 'ResourceNotFound', 'gone'), 'NOT_FOUND', 'permanent', undefined],
    [batchError(503, 'ServerBusy', 'The server is busy'), 'SERVER_ERROR', 'transient', undefined],
    [batchError(500, 'OperationTimedOut', 'late'), 'SERVER_ERROR', 'transient', undefined],
    [batchError(409, 'ActiveJobAndScheduleQuotaReached', 'quota'), 'CAPACITY', 'capacity', 60000],
    [batchError(429, 'TooManyRequests', 'slow down', { 'retry-after': '2' }), 'THROTTLED', 'transient', 2000],
    [batchError(403, 'AuthenticationFailed', 'wrong audience'), 'AUTH', 'permanent', undefined],
    [
      Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' }),
      'TIMEOUT',
      'transient',
      undefined,
    ],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'NETWORK', 'transient', undefined],
    [
      new Error('The long-running operation has failed. Failed. The requested resource is not available'),
      'CAPACITY',
      'capacity',
      60000,
    ],
  ])('%#: classifies as %s', (error, code, kind, retryAfterMs) => {
    const c = classify(error, ctx);
    expect(c).toBeInstanceOf(AdapterError);
    expect([c.code, c.kind, c.retryAfterMs]).toEqual([code, kind, retryAfterMs]);
    expect(c.retryable).toBe(kind !== 'permanent');
    expect(c.message).toContain('aci ContainerGroups_CreateOrUpdate');
  });

  it('reads the Batch message text, not "[object Object]", and drops the RequestId trailer', () => {
    const c = classify(batchError(409, 'JobExists', 'The specified job already exists.'), ctx);
    expect(c.message).toContain('The specified job already exists.');
    expect(c.message).not.toContain('RequestId');
    expect(c.details.serviceCode).toBe('JobExists');
  });

  it('never carries a SAS signature or bearer token in its message', () => {
    const c = classify(
      armError(
        400,
        'InvalidRequestContent',
        'bad url https://a/b?sv=1&sig=SECRETSIG&se=2 with Bearer eyJabc.def',
      ),
      ctx,
    );
    expect(c.message).not.toContain('SECRETSIG');
    expect(c.message).not.toContain('eyJabc');
    expect(JSON.stringify(c.toJSON())).not.toContain('SECRETSIG');
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-22T06:00:00Z');
    const dated = armError(429, 'x', 'y', { 'retry-after': 'Sun, 22 Nov 2026 06:00:30 GMT' });
    expect(retryAfterMsOf(dated, now)).toBe(30_000);
    expect(retryAfterMsOf(armError(429, 'x', 'y', { 'retry-after-ms': '150' }))).toBe(150);
    expect(retryAfterMsOf(armError(429, 'x', 'y'))).toBeUndefined();
  });
});
