import type { FailureInfo, PoolRecord, TaskRecord } from './model';

/** Pure rules the scheduler applies: slots, retry limits, exit options, dependency ids. */
/** The node index with a free slot, or -1. Autoscale pools have the nodes their last evaluation set. */
export function freeNode(pool: PoolRecord): number {
  const nodes = pool.targetDedicatedNodes + pool.targetLowPriorityNodes;
  for (let i = 0; i < nodes; i += 1) if ((pool.busy[i] ?? 0) < pool.taskSlotsPerNode) return i;
  return -1;
}

export function retryLimit(task: TaskRecord): number {
  const own = (task.spec.constraints as { maxTaskRetryCount?: number } | undefined)?.maxTaskRetryCount;
  const fromJob = (task.job.constraints as { maxTaskRetryCount?: number } | undefined)?.maxTaskRetryCount;
  return own ?? fromJob ?? 0;
}

export interface ExitOptions {
  jobAction?: string;
  dependencyAction?: string;
}

export function exitOptions(
  conditions: unknown,
  exitCode: number | undefined,
  failureInfo?: FailureInfo,
): ExitOptions | undefined {
  const c = conditions as
    | {
        exitCodes?: { code: number; exitOptions: ExitOptions }[];
        exitCodeRanges?: { start: number; end: number; exitOptions: ExitOptions }[];
        preProcessingError?: ExitOptions;
        fileUploadError?: ExitOptions;
        default?: ExitOptions;
      }
    | undefined;
  if (!c) return undefined;
  if (exitCode === undefined && failureInfo) return c.preProcessingError ?? c.default;
  if (failureInfo?.code.startsWith('FileUpload')) return c.fileUploadError ?? c.default;
  const exact = c.exitCodes?.find((e) => e.code === exitCode);
  if (exact) return exact.exitOptions;
  const range = c.exitCodeRanges?.find(
    (r) => exitCode !== undefined && exitCode >= r.start && exitCode <= r.end,
  );
  return range?.exitOptions ?? (exitCode === 0 ? undefined : c.default);
}

/** `dependsOn.taskIds` plus every id in `taskIdRanges` (inclusive integer ids). */
export function dependencyIds(dependsOn: unknown): string[] {
  const d = dependsOn as { taskIds?: string[]; taskIdRanges?: { start: number; end: number }[] } | undefined;
  const ids = [...(d?.taskIds ?? [])];
  for (const range of d?.taskIdRanges ?? [])
    for (let i = range.start; i <= range.end; i += 1) ids.push(String(i));
  return ids;
}
