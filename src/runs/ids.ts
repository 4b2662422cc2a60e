import { createHash, randomBytes } from 'node:crypto';

/**
 * Run ids and orchestration instance ids (docs/orchestration.md, "Instances"). Run ids are lowercase letters,
 * digits and hyphens so they fit blob paths, resource tags and instance ids as they are.
 */
export const RUN_ID_PATTERN = /^r-[a-z0-9]{4,40}$/;

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

export function isRunId(value: string): boolean {
  return RUN_ID_PATTERN.test(value);
}

export const instanceIds = {
  run: (runId: string): string => runId,
  lane: (runId: string, lane: number): string => `${runId}:lane:${lane}`,
  image: (runId: string, imageKey: string): string => `${runId}:img:${imageKey}`,
  step: (runId: string, imageKey: string, stepId: string): string => `${runId}:img:${imageKey}:${stepId}`,
  finalize: (runId: string): string => `${runId}:finalize`,
  batchMonitor: (runId: string): string => `${runId}:batch-monitor`,
} as const;

/** The run id an instance id belongs to (the part before the first `:`). */
export function runIdOfInstance(instanceId: string): string {
  const colon = instanceId.indexOf(':');
  return colon < 0 ? instanceId : instanceId.slice(0, colon);
}
