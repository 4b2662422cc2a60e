/**
 * Adding tasks: Task_Add and Task_AddCollection with Batch's semantic rules (docs/emulators-batch.md, 'Task
 * rules').
 */
import { BatchHttpError, errors, newRequestId, odataError } from './errors';
import { checkId, type RequestContext, validateBody } from './http-types';
import { getJob } from './jobs-api';
import { refuseUnsupported } from './unsupported';
import { countTask, type Json, type JobRecord, newETag, type TaskRecord } from './model';

const MAX_COLLECTION = 100;
const MAX_DEPENDENCY_IDS_CHARS = 64_000;
const MAX_RANGE_IDS = 10_000;

export function checkJobAcceptsTasks(job: JobRecord): void {
  if (job.state === 'completed')
    throw errors.conflict('JobCompleted', 'The specified job is already in a completed state.');
  if (job.state === 'terminating')
    throw errors.conflict('JobBeingTerminated', 'The specified job is being terminated.');
  if (job.state === 'deleting') throw errors.notFound('JobNotFound', 'job');
}

/** Semantic rules beyond the schema (docs/emulators-batch.md, 'Task rules'). Throws 400/409 like Batch. */
export function checkTaskSpec(job: JobRecord, spec: Json, at: string): string {
  const id = checkId(spec.id, `${at}id`);
  refuseUnsupported('task', spec, at);
  if (job.tasks.has(id)) throw errors.conflict('TaskExists', 'The specified task already exists.');
  const deps = spec.dependsOn as
    { taskIds?: string[]; taskIdRanges?: { start: number; end: number }[] } | undefined;
  if (deps) {
    if (job.spec.usesTaskDependencies !== true) {
      throw new BatchHttpError(
        400,
        'TaskDependenciesNotSpecifiedOnJob',
        'The job does not have usesTaskDependencies set; a task cannot declare dependencies.',
      );
    }
    if ((deps.taskIds ?? []).join('').length > MAX_DEPENDENCY_IDS_CHARS) {
      throw new BatchHttpError(400, 'TaskDependencyListTooLong', 'The task dependency list is too long.');
    }
    const rangeIds = (deps.taskIdRanges ?? []).reduce((n, r) => n + Math.max(0, r.end - r.start + 1), 0);
    if (rangeIds > MAX_RANGE_IDS)
      throw errors.invalidProperty(
        `${at}dependsOn.taskIdRanges`,
        `ranges may cover at most ${MAX_RANGE_IDS} ids in this emulator`,
      );
    if ((deps.taskIdRanges ?? []).some((r) => r.start > r.end))
      throw errors.invalidProperty(`${at}dependsOn.taskIdRanges`, 'start must not be greater than end');
  }
  for (const [i, file] of ((spec.resourceFiles as Json[] | undefined) ?? []).entries()) {
    const sources = ['httpUrl', 'storageContainerUrl', 'autoStorageContainerName'].filter(
      (k) => file[k] !== undefined,
    );
    if (sources.length !== 1)
      throw errors.invalidProperty(
        `${at}resourceFiles[${i}]`,
        'exactly one of httpUrl, storageContainerUrl and autoStorageContainerName is required',
      );
    if (file.httpUrl !== undefined && !file.filePath)
      throw errors.missingProperty(`${at}resourceFiles[${i}].filePath`);
    if (file.blobPrefix !== undefined && file.httpUrl !== undefined)
      throw errors.invalidProperty(
        `${at}resourceFiles[${i}].blobPrefix`,
        'blobPrefix is only valid with a container source',
      );
    if (
      typeof file.filePath === 'string' &&
      (file.filePath.startsWith('/') || file.filePath.split(/[\\/]/).includes('..'))
    ) {
      throw errors.invalidProperty(
        `${at}resourceFiles[${i}].filePath`,
        'the path must stay inside the task working directory',
      );
    }
  }
  if (
    spec.exitConditions &&
    job.onTaskFailure === 'noaction' &&
    JSON.stringify(spec.exitConditions).includes('"jobAction"')
  ) {
    throw errors.invalidProperty(
      `${at}exitConditions`,
      "jobAction requires the job's onTaskFailure to be performexitoptionsjobaction",
    );
  }
  return id;
}

export function insertTask(ctx: RequestContext, job: JobRecord, id: string, spec: Json): TaskRecord {
  const now = ctx.state.now();
  const task: TaskRecord = {
    seq: ctx.state.nextSeq(),
    id,
    job,
    spec,
    state: 'active',
    creationTime: now,
    stateTransitionTime: now,
    lastModified: now,
    eTag: newETag(),
    exec: { retryCount: 0, requeueCount: 0 },
    pendingDeps: 0,
    blocked: false,
    queued: false,
  };
  job.tasks.set(id, task);
  countTask(job.counts, task, 1);
  ctx.scheduler.taskAdded(task);
  return task;
}

export function addCollection(ctx: RequestContext): unknown {
  const job = getJob(ctx, false);
  if (Buffer.byteLength(ctx.rawBody) >= 1024 * 1024) {
    throw new BatchHttpError(
      413,
      'RequestBodyTooLarge',
      'The request body is too large and exceeds the maximum permissible limit.',
    );
  }
  const value = (ctx.body as { value?: unknown } | undefined)?.value;
  if (Array.isArray(value) && value.length > MAX_COLLECTION) {
    throw errors.invalidProperty(
      'value',
      `a task collection may hold at most ${MAX_COLLECTION} tasks, got ${value.length}`,
    );
  }
  const body = validateBody<{ value: Json[] }>(ctx, 'TaskAddCollectionParameter');
  checkJobAcceptsTasks(job);
  const results = body.value.map((spec, i) => {
    const taskId = String(spec.id);
    const fault = ctx.state.faults.match('batch', 'TaskAddResult', `${job.id}/${taskId}`, ['server-error']);
    try {
      if (fault && !fault.commit)
        throw new BatchHttpError(
          503,
          'ServerBusy',
          'The server is currently unable to receive requests. Please retry your request.',
        );
      const id = checkTaskSpec(job, spec, `value[${i}].`);
      const task = insertTask(ctx, job, id, spec);
      if (fault)
        throw new BatchHttpError(
          503,
          'ServerBusy',
          'The server is currently unable to receive requests. Please retry your request.',
        );
      return {
        status: 'success',
        taskId: id,
        eTag: task.eTag,
        lastModified: new Date(task.lastModified).toISOString(),
        location: `${ctx.baseUrl}/jobs/${job.id}/tasks/${id}`,
      };
    } catch (error) {
      if (!(error instanceof BatchHttpError)) throw error;
      const e = odataError(
        ctx.baseUrl,
        error.code,
        error.message,
        newRequestId(),
        ctx.state.now(),
        error.values,
      );
      return {
        status: error.status >= 500 ? 'servererror' : 'clienterror',
        taskId,
        error: { code: e.code, message: e.message, values: e.values },
      };
    }
  });
  return { value: results };
}
