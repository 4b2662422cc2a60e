import { globMatch } from '../common/glob';
import { chownSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, normalize, resolve } from 'node:path';
import type { Clock } from '../common/clock';
import type { ContainerExecutor } from '../common/container-executor';
import { ProcessExecutor, type StepExecutor } from '../common/executor';
import type { MatchedFault } from '../common/faults';
import {
  downloadResourceFiles,
  type OutputFile,
  type ResourceFile,
  uploadOutputFiles,
} from './blob-transfer';
import { parseBindMounts, parseMemoryLimit, splitCommandLine } from './command-line';
import type { FailureInfo, TaskRecord } from './model';
import {
  type AttemptHandle,
  type AttemptOutcome,
  faultAttempt,
  failure,
  inaccessibleImageAttempt,
  type TaskFile,
  type TaskRunner,
} from './runner';
import type { BatchState } from './state';

/** The node's root folder inside a Batch node (AZ_BATCH_NODE_ROOT_DIR); mapped to a folder per node. */
export const NODE_ROOT = '/mnt/batch/tasks';

const taskDirIn = (root: string, jobId: string, taskId: string) =>
  `${root}/workitems/${jobId}/job-1/${taskId}`;

/**
 * Process mode: every attempt runs the command line as a local process in the task's working folder. Container
 * mode (`containers` given): a task with containerSettings runs in its image as the Batch node's docker does
 * (node root bind-mounted at NODE_ROOT, the `-v` mounts of containerRunOptions, the task working directory as
 * working directory); a task without one runs as a process, as on the node itself.
 */
export class ProcessRunner implements TaskRunner {
  private readonly executor: ProcessExecutor;

  constructor(
    private readonly state: BatchState,
    clock: Clock,
    private readonly accountUrl: () => string,
    private readonly containers?: ContainerExecutor,
  ) {
    this.executor = new ProcessExecutor(clock, state.settings.processEnv);
  }

  private nodeRoot(nodeId: string): string {
    return join(this.state.settings.workRoot, 'nodes', nodeId);
  }

  private hostTaskDir(task: TaskRecord, nodeId: string): string {
    return join(this.nodeRoot(nodeId), 'workitems', task.job.id, 'job-1', task.id);
  }

  start(task: TaskRecord, nodeId: string, fault: MatchedFault | undefined): AttemptHandle {
    const taskDir = this.hostTaskDir(task, nodeId);
    const workDir = join(taskDir, 'wd');
    mkdirSync(workDir, { recursive: true });
    writeFileSync(join(taskDir, 'stdout.txt'), '');
    writeFileSync(join(taskDir, 'stderr.txt'), '');
    const container = task.spec.containerSettings as
      { imageName?: string; containerRunOptions?: string; workingDirectory?: string } | undefined;
    const replaced = faultAttempt(this.state, fault, container?.imageName, 0);
    if (replaced) return replaced;
    const image = this.containers ? container?.imageName : undefined;
    if (image && !this.containers?.hasImage(image)) return inaccessibleImageAttempt(this.state, image, 0);
    const executor: StepExecutor = image && this.containers ? this.containers : this.executor;

    let killed: { reason: string; exitCode?: number } | undefined;
    let run: ReturnType<StepExecutor['start']> | undefined;
    const killedBy = () => killed;
    const done = (async (): Promise<AttemptOutcome> => {
      const resources = (task.spec.resourceFiles as ResourceFile[] | undefined) ?? [];
      const preFailure = resources.length ? await downloadResourceFiles(resources, workDir) : undefined;
      if (preFailure) return { failureInfo: preFailure };
      if (killed) return { exitCode: killed.exitCode ?? 137, reason: killed.reason };
      let command: string[];
      try {
        command = splitCommandLine((task.spec.commandLine as string | undefined) ?? '');
      } catch (error) {
        return { failureInfo: failure('CommandLineInvalid', (error as Error).message) };
      }
      if (image) this.ownTaskDir(taskDir, image);
      run = executor.start({
        command,
        env: this.environment(task, nodeId),
        mounts: this.mounts(nodeId, image ? undefined : container?.imageName, container?.containerRunOptions),
        workDir,
        ...(image ? this.containerSpec(task, image, container) : {}),
        stdoutFile: join(taskDir, 'stdout.txt'),
        stderrFile: join(taskDir, 'stderr.txt'),
      });
      const late = killedBy();
      if (late) run.kill(late.reason, late.exitCode);
      const outcome = await run.done;
      return { exitCode: outcome.exitCode, ...(outcome.reason ? { reason: outcome.reason } : {}) };
    })();
    return {
      done,
      kill: (reason, exitCode) => {
        killed = { reason, exitCode };
        run?.kill(reason, exitCode);
      },
    };
  }

  /** Container mode: the image, working directory and labels of the task's container. */
  private containerSpec(
    task: TaskRecord,
    image: string,
    settings: { workingDirectory?: string; containerRunOptions?: string } | undefined,
  ) {
    const wd = `${taskDirIn(NODE_ROOT, task.job.id, task.id)}/wd`;
    const memoryBytes = parseMemoryLimit(settings?.containerRunOptions ?? '');
    return {
      image,
      ...(settings?.workingDirectory === 'containerImageDefault' ? {} : { containerWorkDir: wd }),
      ...(memoryBytes ? { memoryBytes } : {}),
      labels: { 'flotilla.batch.job': task.job.id, 'flotilla.batch.task': task.id },
    };
  }

  /**
   * Container mode: the task's files belong to the image's user (numeric USER), as they belong to the task
   * user on a node, so a non-root image can write its outputs and read a 0600 resource file.
   */
  private ownTaskDir(taskDir: string, image: string): void {
    const user = this.containers?.imageUser(image);
    if (!user) return;
    const walk = (path: string) => {
      chownSync(path, user.uid, user.gid);
      let entries: string[] = [];
      try {
        entries = readdirSync(path);
      } catch {
        return;
      }
      for (const entry of entries) walk(join(path, entry));
    };
    walk(taskDir);
  }

  /** Container paths of the node root and of `-v` mounts, mapped to this node's folders. */
  private mounts(nodeId: string, imageName?: string, runOptions?: string): Record<string, string> {
    const root = this.nodeRoot(nodeId);
    const toHost = (hostPath: string) =>
      hostPath === NODE_ROOT || hostPath.startsWith(`${NODE_ROOT}/`)
        ? root + hostPath.slice(NODE_ROOT.length)
        : hostPath;
    const mounts: Record<string, string> = { [NODE_ROOT]: root };
    const images = this.state.settings.imageMounts;
    // Same matching as the ACI emulator: keys are image globs (`myacr.azurecr.io/neo:*`).
    for (const [glob, extra] of Object.entries(images))
      if (imageName && (globMatch(glob, imageName) || glob === imageName.replace(/:[^:/]+$/, '')))
        Object.assign(mounts, extra);
    for (const m of parseBindMounts(runOptions ?? '')) mounts[m.containerPath] = toHost(m.hostPath);
    return mounts;
  }

  /** Job and task environment settings plus the AZ_BATCH_* variables, with container (node) paths. */
  private environment(task: TaskRecord, nodeId: string): Record<string, string> {
    const env: Record<string, string> = {};
    const apply = (list: unknown) => {
      for (const item of (list as { name: string; value?: string }[] | undefined) ?? [])
        env[item.name] = item.value ?? '';
    };
    apply(task.job.spec.commonEnvironmentSettings);
    apply(task.spec.environmentSettings);
    const taskDir = taskDirIn(NODE_ROOT, task.job.id, task.id);
    Object.assign(env, {
      AZ_BATCH_ACCOUNT_NAME: this.state.settings.account,
      AZ_BATCH_ACCOUNT_URL: this.accountUrl(),
      AZ_BATCH_POOL_ID: task.job.poolId,
      AZ_BATCH_NODE_ID: nodeId,
      AZ_BATCH_NODE_IS_DEDICATED: 'true',
      AZ_BATCH_NODE_ROOT_DIR: NODE_ROOT,
      AZ_BATCH_NODE_SHARED_DIR: `${NODE_ROOT}/shared`,
      AZ_BATCH_NODE_STARTUP_DIR: `${NODE_ROOT}/startup`,
      AZ_BATCH_JOB_ID: task.job.id,
      AZ_BATCH_TASK_ID: task.id,
      AZ_BATCH_TASK_DIR: taskDir,
      AZ_BATCH_TASK_WORKING_DIR: `${taskDir}/wd`,
      AZ_BATCH_TASK_USER: '_azbatch',
      AZ_BATCH_TASK_USER_IDENTITY: 'PoolNonAdmin',
      AZ_BATCH_TASK_RETRY_COUNT: String(task.exec.retryCount),
    });
    return env;
  }

  async finish(task: TaskRecord, success: boolean): Promise<FailureInfo | undefined> {
    const outputs = (task.spec.outputFiles as OutputFile[] | undefined) ?? [];
    if (!outputs.length || !task.nodeId) return undefined;
    return uploadOutputFiles(outputs, join(this.hostTaskDir(task, task.nodeId), 'wd'), success);
  }

  readFile(task: TaskRecord, path: string): Promise<Buffer | undefined> {
    if (!task.nodeId) return Promise.resolve(undefined);
    const base = this.hostTaskDir(task, task.nodeId);
    const target = resolve(base, normalize(path));
    if (!target.startsWith(base)) return Promise.resolve(undefined);
    try {
      return Promise.resolve(readFileSync(target));
    } catch {
      return Promise.resolve(undefined);
    }
  }

  listFiles(task: TaskRecord): Promise<TaskFile[]> {
    if (!task.nodeId) return Promise.resolve([]);
    const base = this.hostTaskDir(task, task.nodeId);
    const out: TaskFile[] = [];
    const walk = (dir: string, prefix: string) => {
      let names: string[];
      try {
        names = readdirSync(dir).sort();
      } catch {
        return;
      }
      for (const name of names) {
        const full = join(dir, name);
        const st = lstatSync(full);
        const path = prefix ? `${prefix}/${name}` : name;
        out.push({
          path,
          isDirectory: st.isDirectory(),
          size: st.isDirectory() ? 0 : st.size,
          created: st.birthtimeMs > 0 ? st.birthtimeMs : st.ctimeMs,
          modified: st.mtimeMs,
          mode: st.mode,
        });
        if (st.isDirectory()) walk(full, path);
      }
    };
    walk(base, '');
    return Promise.resolve(out);
  }

  removeJob(jobId: string): void {
    const nodes = join(this.state.settings.workRoot, 'nodes');
    let names: string[] = [];
    try {
      names = readdirSync(nodes);
    } catch {
      return;
    }
    for (const node of names) rmSync(join(nodes, node, 'workitems', jobId), { recursive: true, force: true });
  }
}
