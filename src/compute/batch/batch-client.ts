import type { TokenCredential } from '@azure/core-auth';
import { BatchServiceClient } from '@azure/batch';
import type { AbortSignalLike, ServiceClientCredentials, WebResourceLike } from '@azure/ms-rest-js';

/**
 * The only audience Batch accepts; the SDK's own TokenCredential adapter asks for ARM's
 * (docs/emulators-batch.md, 'Token audience').
 */
export const BATCH_SCOPE = 'https://batch.core.windows.net//.default';

/** Signs each Batch request with a token for the Batch audience from any TokenCredential. */
export function batchTokenCredentials(credential: TokenCredential): ServiceClientCredentials {
  return {
    async signRequest(request: WebResourceLike): Promise<WebResourceLike> {
      const token = await credential.getToken(BATCH_SCOPE);
      if (!token) throw new Error('no token for the Batch audience');
      request.headers.set('authorization', `Bearer ${token.token}`);
      return request;
    },
  };
}

/**
 * A Batch client without the SDK's retry policies (27-90 s between tries, never 429:
 * docs/emulators-batch.md, 'SDK retry policies'):
 * callSdk owns retries and deadlines for every call.
 */
export function createBatchClient(
  credentials: ServiceClientCredentials,
  batchUrl: string,
): BatchServiceClient {
  return new BatchServiceClient(credentials, batchUrl.replace(/\/+$/, ''), { noRetryPolicy: true });
}

/** ms-rest-js types its abort signal with an older DOM shape; Node's AbortSignal behaves the same. */
export const msSignal = (signal: AbortSignal): AbortSignalLike => signal as unknown as AbortSignalLike;
