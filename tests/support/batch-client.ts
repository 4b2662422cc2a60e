import { BatchServiceClient, BatchSharedKeyCredentials } from '@azure/batch';
import {
  exponentialRetryPolicy,
  RequestPolicyOptions,
  type RequestPolicyFactory,
  type ServiceClientCredentials,
  systemErrorRetryPolicy,
  throttlingRetryPolicy,
  type WebResourceLike,
} from '@azure/ms-rest-js';

export interface BatchTarget {
  readonly url: string;
  readonly account: string;
  readonly key: string;
}

export interface BatchClientOptions {
  /** Default: shared key with the emulator's key. A string is sent as a bearer token. */
  readonly credentials?: ServiceClientCredentials | string;
  /**
   * Attempts of the SDK's retry policies with short delays (docs/emulators-batch.md, 'SDK retry policies').
   * Default 3.
   */
  readonly retries?: number;
}

/** A bearer credential that sends a fixed token (what an AAD credential adapter would do). */
export function bearerCredentials(token: string): ServiceClientCredentials {
  return {
    signRequest(request: WebResourceLike) {
      request.headers.set('authorization', `Bearer ${token}`);
      return Promise.resolve(request);
    },
  };
}

/** An unsigned JWT with the given audience, as the identity emulator mints them. */
export function unsignedJwt(aud: string): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ aud, exp: Math.floor(Date.now() / 1000) + 3600 })}.`;
}

/**
 * The REAL BatchServiceClient against an emulator: shared key (default) or bearer, and the SDK's own retry
 * policies with millisecond delays instead of 30-90 s (inserted before DeserializationPolicy, as ms-rest-js
 * orders them by default).
 */
export function batchClient(target: BatchTarget, options: BatchClientOptions = {}): BatchServiceClient {
  const credentials =
    typeof options.credentials === 'string'
      ? bearerCredentials(options.credentials)
      : (options.credentials ?? new BatchSharedKeyCredentials(target.account, target.key));
  const retries = options.retries ?? 3;
  return new BatchServiceClient(credentials, target.url, {
    noRetryPolicy: true,
    requestPolicyFactories: (defaults: RequestPolicyFactory[]) => {
      const probe = { sendRequest: () => Promise.reject(new Error('probe')) };
      const index = defaults.findIndex(
        (f) => f.create(probe, new RequestPolicyOptions()).constructor.name === 'DeserializationPolicy',
      );
      const out = [...defaults];
      out.splice(
        index < 0 ? out.length : index,
        0,
        exponentialRetryPolicy(retries, 20, 10, 100),
        systemErrorRetryPolicy(retries, 20, 10, 100),
        throttlingRetryPolicy(),
      );
      return out;
    },
  });
}
