/**
 * The cache index (docs/orchestration.md, 'Step cache'): one JSON blob per key,
 * `flotilla-state/cache/<key>.json`, naming the run and outputs prefix whose files are the step's outputs
 * for that key. It lives in blob storage, so it survives restarts of the app.
 */
import { AdapterError } from '../adapters/errors';
import { STATE_CONTAINER } from '../runs/paths';
import type { BlobStore } from '../storage/blob-store';
import type { StoreEntryInput } from './types';

export type CacheStore = Pick<BlobStore, 'list' | 'getText' | 'readManifest' | 'writeManifest' | 'copyBlob'>;

export const cacheEntryPath = (key: string): string => `cache/${key}.json`;

export interface CachedOutput {
  /** Relative to the entry's prefix. */
  readonly name: string;
  readonly size: number;
  readonly md5?: string;
}

export interface CacheEntry {
  readonly key: string;
  readonly runId: string;
  readonly imageKey: string;
  readonly step: string;
  readonly container: string;
  readonly prefix: string;
  readonly outputs: readonly CachedOutput[];
  readonly storedAt: string;
}

const isConflict = (error: unknown) => error instanceof AdapterError && error.code === 'CONFLICT';

/**
 * Adds the step's outputs to the index under its key. Create-only: an entry another run wrote meanwhile
 * stays (first writer wins; both are valid outputs for the key); an entry the lookup found stale is
 * replaced only if it is still the version read. Storage errors throw (the caller's retries see them).
 */
export async function storeEntry(
  store: CacheStore,
  input: StoreEntryInput,
  now: number,
): Promise<{ stored: boolean }> {
  const blobs = await store.list(input.container, input.prefix);
  const entry: CacheEntry = {
    key: input.key,
    runId: input.runId,
    imageKey: input.imageKey,
    step: input.step,
    container: input.container,
    prefix: input.prefix,
    outputs: blobs.map((b) => ({
      name: b.name.slice(input.prefix.length),
      size: b.size,
      ...(b.md5 ? { md5: b.md5 } : {}),
    })),
    storedAt: new Date(now).toISOString(),
  };
  const path = cacheEntryPath(input.key);
  try {
    await store.writeManifest(STATE_CONTAINER, path, entry, undefined);
    return { stored: true };
  } catch (error) {
    if (!isConflict(error)) throw error;
  }
  if (!input.replaceEtag) return { stored: false };
  try {
    await store.writeManifest(STATE_CONTAINER, path, entry, input.replaceEtag);
    return { stored: true };
  } catch (error) {
    if (isConflict(error)) return { stored: false };
    throw error;
  }
}
