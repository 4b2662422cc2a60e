import type { BatchServiceClient, BatchServiceModels } from '@azure/batch';
import { type CallPolicy, callSdk } from '../../adapters/call-policy';
import { AdapterError } from '../../adapters/errors';
import { msSignal } from './batch-client';

/**
 * Adds tasks in collections of at most 100 tasks and ~1 MB. A 413 splits the collection in half; a
 * `TaskExists` result means a previous try already added it; only `servererror` results are resubmitted.
 */
export const MAX_TASKS_PER_CALL = 100;
export const MAX_BODY_BYTES = 900 * 1024;

export interface AddOutcome {
  readonly taskId: string;
  readonly created: boolean;
}

type Task = BatchServiceModels.TaskAddParameter;

/** Chunks by count and serialized size, keeping order. */
export function chunkTasks(
  tasks: readonly Task[],
  maxCount = MAX_TASKS_PER_CALL,
  maxBytes = MAX_BODY_BYTES,
): Task[][] {
  const chunks: Task[][] = [];
  let current: Task[] = [];
  let bytes = 0;
  for (const task of tasks) {
    const size = Buffer.byteLength(JSON.stringify(task)) + 1;
    if (current.length && (current.length >= maxCount || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(task);
    bytes += size;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

export async function addTasks(
  client: BatchServiceClient,
  jobId: string,
  tasks: readonly Task[],
  policy: CallPolicy,
  limits: { maxCount?: number; maxBytes?: number; serverErrorRounds?: number } = {},
): Promise<AddOutcome[]> {
  const serverErrorRounds = limits.serverErrorRounds ?? 3;
  const outcomes = new Map<string, AddOutcome>();
  const addChunk = async (chunk: Task[], round: number): Promise<void> => {
    let result: BatchServiceModels.TaskAddCollectionResult;
    try {
      result = await callSdk({ service: 'batch', operation: 'Task_AddCollection' }, policy, (abortSignal) =>
        client.task.addCollection(jobId, chunk, { abortSignal: msSignal(abortSignal) }),
      );
    } catch (error) {
      if (error instanceof AdapterError && error.details.status === 413 && chunk.length > 1) {
        const half = Math.ceil(chunk.length / 2);
        await addChunk(chunk.slice(0, half), round);
        await addChunk(chunk.slice(half), round);
        return;
      }
      throw error;
    }
    const retry: Task[] = [];
    for (const r of result.value ?? []) {
      if (r.status === 'success') outcomes.set(r.taskId, { taskId: r.taskId, created: true });
      else if (r.error?.code === 'TaskExists') outcomes.set(r.taskId, { taskId: r.taskId, created: false });
      else if (r.status === 'servererror') {
        const task = chunk.find((t) => t.id === r.taskId);
        if (task) retry.push(task);
      } else {
        const message = typeof r.error?.message === 'object' ? (r.error.message.value ?? '') : '';
        throw new AdapterError(
          'BAD_REQUEST',
          'permanent',
          `batch Task_AddCollection rejected task ${r.taskId} (${r.error?.code ?? 'clienterror'}): ${message.split('\nRequestId:')[0]}`,
          { service: 'batch', operation: 'Task_AddCollection' },
          { status: 400, ...(r.error?.code ? { serviceCode: r.error.code } : {}) },
        );
      }
    }
    if (retry.length) {
      if (round >= serverErrorRounds)
        throw new AdapterError(
          'SERVER_ERROR',
          'transient',
          `batch Task_AddCollection: ${retry.length} task(s) still failing with server errors after ${round} rounds`,
          { service: 'batch', operation: 'Task_AddCollection' },
        );
      await addChunk(retry, round + 1);
    }
  };
  for (const chunk of chunkTasks(tasks, limits.maxCount, limits.maxBytes)) await addChunk(chunk, 1);
  return tasks.map((t) => outcomes.get(t.id) ?? { taskId: t.id, created: false });
}
