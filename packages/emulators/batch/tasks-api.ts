import { errors } from './errors';
import {
  checkIfMatch,
  checkIfNoneMatch,
  entityHeaders,
  type RequestContext,
  type Route,
  validateBody,
} from './http-types';
import { getJob } from './jobs-api';
import { listReply, select, TASK_FILTER_FIELDS } from './listing';
import { countTask, type Json, type TaskRecord } from './model';
import { addCollection, checkJobAcceptsTasks, checkTaskSpec, insertTask } from './task-add';
import { taskToWire } from './wire';

function getTask(ctx: RequestContext): TaskRecord {
  const task = getJob(ctx, false).tasks.get(ctx.params.taskId ?? '');
  if (!task) throw errors.notFound('TaskNotFound', 'task');
  return task;
}

export const taskRoutes: Route[] = [
  {
    method: 'POST',
    pattern: /^\/jobs\/(?<jobId>[^/]+)\/tasks$/,
    operation: 'Task_Add',
    handle(ctx) {
      const job = getJob(ctx, false);
      const spec = validateBody<Json>(ctx, 'TaskAddParameter');
      checkJobAcceptsTasks(job);
      const task = insertTask(ctx, job, checkTaskSpec(job, spec, ''), spec);
      return {
        status: 201,
        headers: entityHeaders(
          task.eTag,
          task.lastModified,
          `${ctx.baseUrl}/jobs/${job.id}/tasks/${task.id}`,
        ),
      };
    },
  },
  {
    method: 'POST',
    pattern: /^\/jobs\/(?<jobId>[^/]+)\/addtaskcollection$/,
    operation: 'Task_AddCollection',
    handle: (ctx) => ({ status: 200, body: addCollection(ctx) }),
  },
  {
    method: 'GET',
    pattern: /^\/jobs\/(?<jobId>[^/]+)\/tasks$/,
    operation: 'Task_List',
    handle(ctx) {
      const job = getJob(ctx, false);
      return listReply(ctx, 'tasks', `/jobs/${job.id}/tasks`, job.tasks.values(), TASK_FILTER_FIELDS, (t) =>
        taskToWire(t, ctx.baseUrl),
      );
    },
  },
  {
    method: 'GET',
    pattern: /^\/jobs\/(?<jobId>[^/]+)\/tasks\/(?<taskId>[^/]+)$/,
    operation: 'Task_Get',
    handle(ctx) {
      const task = getTask(ctx);
      checkIfNoneMatch(ctx, task.eTag);
      return {
        status: 200,
        body: select(taskToWire(task, ctx.baseUrl), ctx.query),
        headers: entityHeaders(task.eTag, task.lastModified),
      };
    },
  },
  {
    method: 'POST',
    pattern: /^\/jobs\/(?<jobId>[^/]+)\/tasks\/(?<taskId>[^/]+)\/terminate$/,
    operation: 'Task_Terminate',
    handle(ctx) {
      const task = getTask(ctx);
      checkIfMatch(ctx, task.eTag);
      ctx.scheduler.terminateTask(task);
      return {
        status: 204,
        headers: entityHeaders(
          task.eTag,
          task.lastModified,
          `${ctx.baseUrl}/jobs/${task.job.id}/tasks/${task.id}`,
        ),
      };
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/jobs\/(?<jobId>[^/]+)\/tasks\/(?<taskId>[^/]+)$/,
    operation: 'Task_Delete',
    handle(ctx) {
      const task = getTask(ctx);
      checkIfMatch(ctx, task.eTag);
      ctx.scheduler.abandonAttempt(task);
      task.queued = false;
      countTask(task.job.counts, task, -1);
      task.job.tasks.delete(task.id);
      ctx.scheduler.checkAllComplete(task.job);
      return { status: 200 };
    },
  },
];
