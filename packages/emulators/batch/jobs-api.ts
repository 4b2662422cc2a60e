import { parseDuration } from './command-line';
import { errors } from './errors';
import {
  checkId,
  checkIfMatch,
  checkIfNoneMatch,
  entityHeaders,
  type RequestContext,
  type Route,
  validateBody,
} from './http-types';
import { JOB_FILTER_FIELDS, listReply, select } from './listing';
import { type Json, type JobRecord, newETag } from './model';
import { transitionJob } from './scheduler';
import { jobToWire } from './wire';
import { refuseUnsupported } from './unsupported';

export function getJob(ctx: RequestContext, allowDeleting = true): JobRecord {
  const job = ctx.state.jobs.get(ctx.params.jobId ?? '');
  if (!job || (!allowDeleting && job.state === 'deleting')) throw errors.notFound('JobNotFound', 'job');
  return job;
}

const lower = (v: unknown, fallback: string) => (typeof v === 'string' ? v.toLowerCase() : fallback);

function addJob(ctx: RequestContext): JobRecord {
  const spec = validateBody<Json>(ctx, 'JobAddParameter');
  const id = checkId(spec.id);
  refuseUnsupported('job', spec);
  const { state } = ctx;
  const existing = state.jobs.get(id);
  if (existing?.state === 'deleting')
    throw errors.conflict(
      'JobBeingDeleted',
      'The specified job has been marked for deletion and is being garbage collected.',
    );
  if (existing) throw errors.conflict('JobExists', 'The specified job already exists.');
  const poolInfo = spec.poolInfo as { poolId?: string; autoPoolSpecification?: unknown };
  if (!poolInfo.poolId === !poolInfo.autoPoolSpecification) {
    throw errors.invalidProperty('poolInfo', 'exactly one of poolId and autoPoolSpecification is required');
  }
  if (!poolInfo.poolId)
    throw errors.invalidProperty(
      'poolInfo.autoPoolSpecification',
      'auto pools are not supported by this emulator; use poolId',
    );
  if (state.activeJobCount() >= state.settings.activeJobQuota) {
    throw errors.conflict(
      'ActiveJobAndScheduleQuotaReached',
      'Active job and schedule quota for the account has been reached.',
    );
  }
  const now = state.now();
  const job: JobRecord = {
    seq: state.nextSeq(),
    id,
    spec,
    state: 'active',
    creationTime: now,
    stateTransitionTime: now,
    lastModified: now,
    eTag: newETag(),
    poolId: poolInfo.poolId,
    onAllTasksComplete: lower(spec.onAllTasksComplete, 'noaction'),
    onTaskFailure: lower(spec.onTaskFailure, 'noaction'),
    priority: Number(spec.priority ?? 0),
    metadata: spec.metadata,
    constraints: spec.constraints as Json | undefined,
    tasks: new Map(),
    counts: { active: 0, running: 0, completed: 0, succeeded: 0, failed: 0 },
    dependents: new Map(),
    satisfied: new Set(),
    blocking: new Set(),
  };
  state.jobs.set(id, job);
  armWallClock(ctx, job);
  ctx.scheduler.checkAllComplete(job);
  return job;
}

function armWallClock(ctx: RequestContext, job: JobRecord): void {
  job.cancelWallClock?.();
  const ms = parseDuration(
    String((job.constraints as { maxWallClockTime?: string } | undefined)?.maxWallClockTime ?? ''),
  );
  if (ms !== undefined) {
    job.cancelWallClock = ctx.state.timeline.at(job.creationTime + ms, () =>
      ctx.scheduler.terminateJob(job, 'MaxWallClockTimeExpiry'),
    );
  }
}

/** Job_Patch (and Job_Update): priority, constraints, onAllTasksComplete, metadata. */
function patchJob(ctx: RequestContext, model: 'JobPatchParameter' | 'JobUpdateParameter'): JobRecord {
  const job = getJob(ctx, false);
  checkIfMatch(ctx, job.eTag);
  const patch = validateBody<Json>(ctx, model);
  if (job.state === 'completed')
    throw errors.conflict('JobCompleted', 'The specified job is already in a completed state.');
  const poolId = (patch.poolInfo as { poolId?: string } | undefined)?.poolId;
  if (poolId && poolId !== job.poolId)
    throw errors.conflict('JobNotDisabled', 'The pool of a job can only change while it is disabled.');
  if (patch.onAllTasksComplete !== undefined) {
    if (job.onAllTasksComplete === 'terminatejob' && lower(patch.onAllTasksComplete, '') === 'noaction') {
      throw errors.invalidProperty('onAllTasksComplete', 'cannot change from terminatejob to noaction');
    }
    job.onAllTasksComplete = lower(patch.onAllTasksComplete, job.onAllTasksComplete);
  }
  if (patch.priority !== undefined) job.priority = Number(patch.priority);
  if (patch.metadata !== undefined) job.metadata = patch.metadata;
  if (patch.constraints !== undefined) {
    job.constraints = patch.constraints as Json;
    armWallClock(ctx, job);
  }
  job.lastModified = ctx.state.now();
  job.eTag = newETag();
  ctx.scheduler.checkAllComplete(job);
  return job;
}

export const jobRoutes: Route[] = [
  {
    method: 'POST',
    pattern: /^\/jobs$/,
    operation: 'Job_Add',
    handle(ctx) {
      const job = addJob(ctx);
      return {
        status: 201,
        headers: entityHeaders(job.eTag, job.lastModified, `${ctx.baseUrl}/jobs/${job.id}`),
      };
    },
  },
  {
    method: 'GET',
    pattern: /^\/jobs$/,
    operation: 'Job_List',
    handle(ctx) {
      return listReply(ctx, 'jobs', '/jobs', ctx.state.jobs.values(), JOB_FILTER_FIELDS, (j) =>
        jobToWire(j, ctx.baseUrl),
      );
    },
  },
  {
    method: 'GET',
    pattern: /^\/jobs\/(?<jobId>[^/]+)$/,
    operation: 'Job_Get',
    handle(ctx) {
      const job = getJob(ctx);
      checkIfNoneMatch(ctx, job.eTag);
      return {
        status: 200,
        body: select(jobToWire(job, ctx.baseUrl), ctx.query),
        headers: entityHeaders(job.eTag, job.lastModified),
      };
    },
  },
  {
    method: 'PATCH',
    pattern: /^\/jobs\/(?<jobId>[^/]+)$/,
    operation: 'Job_Patch',
    handle(ctx) {
      const job = patchJob(ctx, 'JobPatchParameter');
      return {
        status: 200,
        headers: entityHeaders(job.eTag, job.lastModified, `${ctx.baseUrl}/jobs/${job.id}`),
      };
    },
  },
  {
    method: 'PUT',
    pattern: /^\/jobs\/(?<jobId>[^/]+)$/,
    operation: 'Job_Update',
    handle(ctx) {
      const job = patchJob(ctx, 'JobUpdateParameter');
      return {
        status: 200,
        headers: entityHeaders(job.eTag, job.lastModified, `${ctx.baseUrl}/jobs/${job.id}`),
      };
    },
  },
  {
    method: 'POST',
    pattern: /^\/jobs\/(?<jobId>[^/]+)\/terminate$/,
    operation: 'Job_Terminate',
    handle(ctx) {
      const job = getJob(ctx, false);
      checkIfMatch(ctx, job.eTag);
      const body =
        ctx.body === undefined
          ? {}
          : validateBody<{ terminateReason?: string }>(ctx, 'JobTerminateParameter');
      if (job.state === 'completed')
        throw errors.conflict('JobCompleted', 'The specified job is already in a completed state.');
      if (job.state === 'terminating')
        throw errors.conflict('JobBeingTerminated', 'The specified job is already being terminated.');
      ctx.scheduler.terminateJob(job, body.terminateReason ?? 'UserTerminate');
      return {
        status: 202,
        headers: entityHeaders(job.eTag, job.lastModified, `${ctx.baseUrl}/jobs/${job.id}`),
      };
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/jobs\/(?<jobId>[^/]+)$/,
    operation: 'Job_Delete',
    handle(ctx) {
      const job = getJob(ctx);
      checkIfMatch(ctx, job.eTag);
      if (job.state === 'deleting') return { status: 202 };
      job.cancelWallClock?.();
      for (const task of job.tasks.values()) {
        task.queued = false;
        ctx.scheduler.abandonAttempt(task);
      }
      transitionJob(job, 'deleting', ctx.state.now());
      ctx.state.timeline.after(ctx.state.settings.deleteDelayMs, () => {
        if (ctx.state.jobs.get(job.id) !== job) return;
        ctx.state.jobs.delete(job.id);
        ctx.runner.removeJob(job.id);
      });
      return { status: 202 };
    },
  },
  {
    method: 'GET',
    pattern: /^\/jobs\/(?<jobId>[^/]+)\/taskcounts$/,
    operation: 'Job_GetTaskCounts',
    handle(ctx) {
      const { counts } = getJob(ctx);
      const c = {
        active: counts.active,
        running: counts.running,
        completed: counts.completed,
        succeeded: counts.succeeded,
        failed: counts.failed,
      };
      return { status: 200, body: { taskCounts: c, taskSlotCounts: c } };
    },
  },
];
