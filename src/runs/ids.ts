/**
 * Run ids and orchestration instance ids (docs/orchestration.md, "Instances"). Run ids are lowercase letters,
 * digits and hyphens so they fit blob paths, resource tags and instance ids as they are. Pure: orchestrators
 * use this module; making a new run id (randomness, hashing) lives in `run-ids.ts`, which they may not import.
 */
export const RUN_ID_PATTERN = /^r-[a-z0-9]{4,40}$/;

export const instanceIds = {
  run: (runId: string): string => runId,
  lane: (runId: string, lane: number): string => `${runId}:lane:${lane}`,
  image: (runId: string, imageKey: string): string => `${runId}:img:${imageKey}`,
  step: (runId: string, imageKey: string, stepId: string): string => `${runId}:img:${imageKey}:${stepId}`,
  finalize: (runId: string): string => `${runId}:finalize`,
  batchMonitor: (runId: string): string => `${runId}:batch-monitor`,
} as const;
