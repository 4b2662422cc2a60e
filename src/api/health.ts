/**
 * GET /api/health: 200 when the app can reach its storage, 503 naming the dependency that is down. The
 * probe is bounded (the request-path call policy) and its result is reused for a second, so an anonymous
 * caller cannot turn health checks into storage load.
 */
import type { HttpResponseInit } from '@azure/functions';
import type { BlobStore } from '../storage/blob-store';
import { isStorageUnavailable, json, RETRY_AFTER_SECONDS } from './http';

const REUSE_MS = 1_000;
let last: { at: number; storage: 'up' | 'down'; reason?: string } | undefined;

export async function healthCheck(store: Pick<BlobStore, 'probe'>, now: number): Promise<HttpResponseInit> {
  if (!last || now - last.at > REUSE_MS || now < last.at) {
    try {
      await store.probe();
      last = { at: now, storage: 'up' };
    } catch (error) {
      const reason = isStorageUnavailable(error) ? error.code : codeOf(error);
      last = { at: now, storage: 'down', reason };
    }
  }
  const storage = { status: last.storage, ...(last.reason ? { error: last.reason } : {}) };
  if (last.storage === 'up')
    return json(200, { status: 'ok', service: 'flotilla', dependencies: { storage } });
  return json(
    503,
    { status: 'unavailable', service: 'flotilla', down: ['storage'], dependencies: { storage } },
    { 'retry-after': String(RETRY_AFTER_SECONDS) },
  );
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'unknown';
}
