import { errors } from './errors';
import type { Reply, RequestContext, Route } from './http-types';
import { getJob } from './jobs-api';
import type { TaskRecord } from './model';
import type { TaskFile } from './runner';

/**
 * Task files as the service serves them (docs/emulators-batch.md, "Files"): File_GetFromTask,
 * File_GetPropertiesFromTask (HEAD), File_ListFromTask, and the same files through the compute node
 * (`/pools/{pool}/nodes/{node}/files/workitems/{job}/job-1/{task}/...`). Headers: `ocp-creation-time`,
 * `Last-Modified` (RFC 1123), `ocp-batch-file-isdirectory`, `ocp-batch-file-url`, `ocp-batch-file-mode`,
 * `Content-Type`, `Content-Length`.
 */
const rfc1123 = (ms: number): string => new Date(ms).toUTCString();
const octal = (mode: number): string => `0o${mode.toString(8)}`;
const encodePath = (path: string): string => path.split('/').map(encodeURIComponent).join('/');

function taskOf(ctx: RequestContext): TaskRecord {
  const task = getJob(ctx, false).tasks.get(ctx.params.taskId ?? '');
  if (!task) throw errors.notFound('TaskNotFound', 'task');
  return task;
}

/** The task a node path names (`workitems/<job>/job-1/<task>/<rest>`) and the rest, or 404 FileNotFound. */
function nodeTask(ctx: RequestContext): { task: TaskRecord; rest: string } {
  const pool = ctx.state.pools.get(ctx.params.poolId ?? '');
  if (!pool) throw errors.notFound('PoolNotFound', 'pool');
  const m = /^workitems\/([^/]+)\/job-1\/([^/]+)(?:\/(.*))?$/.exec(normalize(ctx.params.filePath ?? ''));
  const task = m ? ctx.state.jobs.get(m[1] ?? '')?.tasks.get(m[2] ?? '') : undefined;
  if (!m || !task || task.nodeId !== ctx.params.nodeId || task.job.poolId !== pool.id)
    throw errors.notFound('FileNotFound', 'file');
  return { task, rest: m[3] ?? '' };
}

const normalize = (path: string): string => path.replace(/\\/g, '/').replace(/^\/+|\/+$/g, '');

async function findFile(ctx: RequestContext, task: TaskRecord, path: string): Promise<TaskFile> {
  const wanted = normalize(path);
  const file = (await ctx.runner.listFiles(task)).find((f) => f.path === wanted);
  if (!file) throw errors.notFound('FileNotFound', 'file');
  return file;
}

async function fileReply(
  ctx: RequestContext,
  task: TaskRecord,
  path: string,
  url: string,
  withBody: boolean,
): Promise<Reply> {
  const file = await findFile(ctx, task, path);
  const content = file.isDirectory ? Buffer.alloc(0) : await ctx.runner.readFile(task, file.path);
  if (!content) throw errors.notFound('FileNotFound', 'file');
  if (withBody && file.isDirectory)
    throw errors.invalidProperty('filePath', 'the path is a directory; list it with the files API');
  return {
    status: 200,
    raw: content,
    headers: {
      'Content-Type': 'application/octet-stream',
      'ocp-creation-time': rfc1123(file.created),
      'Last-Modified': rfc1123(file.modified),
      'ocp-batch-file-isdirectory': String(file.isDirectory),
      'ocp-batch-file-url': url,
      'ocp-batch-file-mode': octal(file.mode),
    },
  };
}

async function listReply(
  ctx: RequestContext,
  task: TaskRecord,
  urlOf: (path: string) => string,
): Promise<Reply> {
  const recursive = ctx.query.get('recursive')?.toLowerCase() === 'true';
  const files = (await ctx.runner.listFiles(task)).filter((f) => recursive || !f.path.includes('/'));
  return {
    status: 200,
    body: {
      'odata.metadata': `${ctx.baseUrl}/$metadata#files`,
      value: files.map((f) => ({
        name: f.path,
        url: urlOf(f.path),
        isDirectory: f.isDirectory,
        properties: {
          creationTime: new Date(f.created).toISOString(),
          lastModified: new Date(f.modified).toISOString(),
          contentLength: f.size,
          contentType: 'application/octet-stream',
          fileMode: octal(f.mode),
        },
      })),
    },
  };
}

const TASK_FILES = /^\/jobs\/(?<jobId>[^/]+)\/tasks\/(?<taskId>[^/]+)\/files\/(?<filePath>.+)$/;
const NODE_FILES = /^\/pools\/(?<poolId>[^/]+)\/nodes\/(?<nodeId>[^/]+)\/files\/(?<filePath>.+)$/;
const taskFileUrl = (ctx: RequestContext, task: TaskRecord, path: string) =>
  `${ctx.baseUrl}/jobs/${task.job.id}/tasks/${task.id}/files/${encodePath(path)}`;
const nodeFileUrl = (ctx: RequestContext, task: TaskRecord, path: string) =>
  `${ctx.baseUrl}/pools/${task.job.poolId}/nodes/${task.nodeId ?? ''}/files/${encodePath(`workitems/${task.job.id}/job-1/${task.id}/${path}`)}`;

export const fileRoutes: Route[] = [
  {
    method: 'GET',
    pattern: /^\/jobs\/(?<jobId>[^/]+)\/tasks\/(?<taskId>[^/]+)\/files$/,
    operation: 'File_ListFromTask',
    handle(ctx) {
      const task = taskOf(ctx);
      return listReply(ctx, task, (p) => taskFileUrl(ctx, task, p));
    },
  },
  ...(['GET', 'HEAD'] as const).map((method): Route => ({
    method,
    pattern: TASK_FILES,
    operation: method === 'GET' ? 'File_GetFromTask' : 'File_GetPropertiesFromTask',
    handle(ctx) {
      const task = taskOf(ctx);
      const path = normalize(ctx.params.filePath ?? '');
      return fileReply(ctx, task, path, taskFileUrl(ctx, task, path), method === 'GET');
    },
  })),
  ...(['GET', 'HEAD'] as const).map((method): Route => ({
    method,
    pattern: NODE_FILES,
    operation: method === 'GET' ? 'File_GetFromComputeNode' : 'File_GetPropertiesFromComputeNode',
    handle(ctx) {
      const { task, rest } = nodeTask(ctx);
      return fileReply(ctx, task, rest, nodeFileUrl(ctx, task, rest), method === 'GET');
    },
  })),
];
