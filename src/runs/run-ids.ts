import { createHash, randomBytes } from 'node:crypto';

// Making run ids, for the entry points. Never for orchestrators: randomness is not replay-safe, and the
// layer check (.dependency-cruiser.cjs) keeps orchestrators from reaching node:crypto.

/** A fresh run id for `POST /api/runs`: `r-` + 20 random hex digits. */
export function newRunId(): string {
  return `r-${randomBytes(10).toString('hex')}`;
}

/**
 * The run id for a blob-created event: derived from the blob URL and its ETag, so a duplicate delivery of the
 * same event maps to the same run (and the same orchestration instance id), and starts nothing new.
 */
export function blobRunId(blobUrl: string, etag: string): string {
  const digest = createHash('sha256')
    .update(`${blobUrl}\n${etag.replace(/"/g, '')}`)
    .digest('hex');
  return `r-b${digest.slice(0, 23)}`;
}
