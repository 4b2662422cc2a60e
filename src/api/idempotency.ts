/**
 * `Idempotency-Key` on POST /api/runs (docs/http-api.md): the first request with a key records
 * `{ bodyHash, runId }` in a create-only blob; a retry with the same key and the same body gets the same run
 * id (and starts nothing new), the same key with another body is refused with 409. The record is named by
 * the key's SHA-256, so the key itself is never stored.
 */
import { createHash } from 'node:crypto';
import { STATE_CONTAINER, statePaths } from '../runs/paths';
import type { BlobStore } from '../storage/blob-store';
import { ApiError } from './http';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const IDEMPOTENCY_KEY_MAX_LENGTH = 200;
const KEY_PATTERN = /^[\x21-\x7e]+$/;

interface IdempotencyRecord {
  readonly bodyHash: string;
  readonly runId: string;
  readonly createdAt: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The header's value, checked: 1-200 visible ASCII characters (no spaces). */
export function idempotencyKey(value: string | null): string | undefined {
  if (value === null) return undefined;
  if (value.length === 0 || value.length > IDEMPOTENCY_KEY_MAX_LENGTH || !KEY_PATTERN.test(value)) {
    const message = `an Idempotency-Key has 1 to ${IDEMPOTENCY_KEY_MAX_LENGTH} visible ASCII characters (no spaces or control characters)`;
    throw new ApiError(400, 'invalid_request', `the Idempotency-Key header is not valid: ${message}`, [
      { path: 'headers.Idempotency-Key', message },
    ]);
  }
  return value;
}

/** The run id this key stands for: a new one (recorded) or the one recorded for the same body. */
export async function runIdForKey(
  store: Pick<BlobStore, 'readManifest' | 'createOnce'>,
  key: string,
  body: unknown,
  fresh: () => string,
  now: Date,
): Promise<{ runId: string; replay: boolean }> {
  const name = statePaths.idempotency(sha256(key));
  const bodyHash = sha256(JSON.stringify(body));
  for (let round = 0; round < 2; round++) {
    const existing = await store.readManifest<IdempotencyRecord>(STATE_CONTAINER, name);
    if (existing) {
      if (existing.value.bodyHash !== bodyHash) {
        throw new ApiError(
          409,
          'idempotency_key_reused',
          'this Idempotency-Key was already used with a different request body; use a new key for a new run',
          [{ path: 'headers.Idempotency-Key', message: 'already used with a different body' }],
        );
      }
      return { runId: existing.value.runId, replay: true };
    }
    const record: IdempotencyRecord = { bodyHash, runId: fresh(), createdAt: now.toISOString() };
    if (await store.createOnce(STATE_CONTAINER, name, record)) return { runId: record.runId, replay: false };
  }
  throw new ApiError(409, 'idempotency_conflict', 'concurrent requests with this Idempotency-Key; retry');
}
