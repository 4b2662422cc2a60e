import { parseDuration } from './command-line';
import { dependencyIds, exitOptions, freeNode, retryLimit } from './task-rules';
import {
  type FailureInfo,
  type JobRecord,
  newETag,
  nodeIdFor,
  type PoolRecord,
  setTaskState,
  type TaskRecord,
} from './model';
import { type AttemptOutcome, failure, type TaskRunner } from './runner';
import type { BatchState } from './state';

const RUN_FAULTS = ['inaccessible-image', 'oom', 'node-lost', 'never-finishes', 'exit-code'] as const;

/**
 * Moves tasks through active -> running -> completed: dependencies, pool slots, retries, requeues after a
 * lost node, wall-clock limits, exit options and the job's onAllTasksComplete / onTaskFailure.
 */
export class Scheduler {
  constructor(
    private readonly state: BatchState,
    private readonly runner: TaskRunner,
  ) {}

  /** Wires a new task's dependencies and queues it if it can run. */
  taskAdded(task: TaskRecord): void {
    const job = task.job;
    for (const dep of dependencyIds(task.spec.dependsOn)) {
      if (job.satisfied.has(dep)) continue;
      if (job.blocking.has(dep)) task.blocked = true;
      task.pendingDeps += 1;
      const list = job.dependents.get(dep);
      if (list) list.push(task);
      else job.dependents.set(dep, [task]);
    }
    this.makeReady(task);
  }

  /** Queues a runnable task after the scheduling delay (plus any slow-provisioning fault). */
  makeReady(task: TaskRecord): void {
    if (task.state !== 'active' || task.blocked || task.pendingDeps > 0 || task.queued) return;
    task.queued = true;
    const slow = this.state.faults.match('batch', 'Run', `${task.job.id}/${task.id}`, ['slow-provisioning']);
    const delay = this.state.settings.schedulingDelayMs + (slow?.delayMs ?? 0);
    this.state.timeline.after(delay, () => {
      if (!task.queued) return;
      this.state.queue(task.job.poolId).push(task);
      this.pump(task.job.poolId);
    });
  }

  /** Starts queued tasks while the pool has free slots. */
  pump(poolId: string): void {
    const pool = this.state.pools.get(poolId);
    const queue = this.state.queues.get(poolId);
    if (!pool || pool.state !== 'active' || !queue) return;
    while (queue.length) {
      const task = queue.peek() as TaskRecord;
      if (!task.queued || task.state !== 'active' || this.state.jobs.get(task.job.id) !== task.job) {
        queue.shift();
        continue;
      }
      if (task.job.state !== 'active') {
        queue.shift();
        task.queued = false;
        continue;
      }
      const node = freeNode(pool);
      if (node < 0) return;
      queue.shift();
      task.queued = false;
      this.startAttempt(task, pool, node);
    }
  }

  private startAttempt(task: TaskRecord, pool: PoolRecord, node: number): void {
    const now = this.state.now();
    pool.busy[node] = (pool.busy[node] ?? 0) + 1;
    const nodeId = nodeIdFor(pool.id, node);
    const exec = task.exec;
    exec.startTime = now;
    exec.endTime = undefined;
    exec.exitCode = undefined;
    exec.result = undefined;
    exec.failureInfo = undefined;
    task.nodeId = nodeId;
    setTaskState(task, 'running', now);
    const token = this.state.nextAttemptToken();
    const attempt = { nodeId, token, cancels: [] as (() => void)[], poolId: pool.id, node };
    task.attempt = attempt;
    const fault = this.state.faults.match('batch', 'Run', `${task.job.id}/${task.id}`, RUN_FAULTS);
    const handle = this.runner.start(task, nodeId, fault?.kind === 'node-lost' ? undefined : fault);
    attempt.cancels.push(() => handle.kill('killed'));
    if (fault?.kind === 'node-lost') {
      attempt.cancels.push(this.state.timeline.after(fault.delayMs ?? 0, () => this.nodeLost(task, token)));
    }
    const wallMs = parseDuration(
      String((task.spec.constraints as { maxWallClockTime?: string } | undefined)?.maxWallClockTime ?? ''),
    );
    if (wallMs !== undefined) {
      attempt.cancels.push(this.state.timeline.after(wallMs, () => handle.kill('timeout')));
    }
    void handle.done.then((outcome) => this.attemptEnded(task, token, outcome));
  }

  /** Ends the current attempt without an outcome (terminate, delete, lost node) and frees its slot. */
  abandonAttempt(task: TaskRecord): void {
    const attempt = task.attempt;
    if (!attempt) return;
    task.attempt = undefined;
    for (const cancel of attempt.cancels) cancel();
    this.releaseSlot(task, attempt.nodeId);
  }

  private releaseSlot(task: TaskRecord, nodeId: string): void {
    const pool = this.state.pools.get(task.job.poolId);
    if (!pool) return;
    const node = Number(nodeId.slice(nodeId.lastIndexOf('_') + 1));
    if ((pool.busy[node] ?? 0) > 0) pool.busy[node] = (pool.busy[node] ?? 1) - 1;
    this.state.timeline.after(0, () => this.pump(pool.id));
  }

  private nodeLost(task: TaskRecord, token: number): void {
    if (task.attempt?.token !== token) return;
    this.abandonAttempt(task);
    const now = this.state.now();
    task.exec.requeueCount += 1;
    task.exec.lastRequeueTime = now;
    task.exec.startTime = undefined;
    setTaskState(task, 'active', now);
    this.makeReady(task);
  }

  private attemptEnded(task: TaskRecord, token: number, outcome: AttemptOutcome): void {
    if (task.attempt?.token !== token) return;
    const attempt = task.attempt;
    task.attempt = undefined;
    for (const cancel of attempt.cancels.slice(1)) cancel();
    this.releaseSlot(task, attempt.nodeId);
    const now = this.state.now();
    if (outcome.reason === 'timeout') {
      void this.finish(task, {
        exitCode: outcome.exitCode,
        failureInfo: failure(
          'MaxWallClockTimeExpiry',
          'The task exceeded its maximum wall clock time and was terminated',
        ),
      });
      return;
    }
    const exitCode = outcome.exitCode;
    const maxRetries = retryLimit(task);
    if (!outcome.failureInfo && exitCode !== 0 && (maxRetries < 0 || task.exec.retryCount < maxRetries)) {
      task.exec.retryCount += 1;
      task.exec.lastRetryTime = now;
      setTaskState(task, 'active', now);
      this.makeReady(task);
      return;
    }
    void this.finish(task, outcome);
  }

  /** Uploads outputs (process mode), then completes the task. */
  private async finish(task: TaskRecord, outcome: AttemptOutcome): Promise<void> {
    const success = outcome.exitCode === 0 && !outcome.failureInfo;
    const upload = this.runner
      .finish(task, success)
      .catch((error: Error) => failure('FileUploadMiscError', error.message));
    // Real I/O: a virtual clock waits for it (the upload takes no virtual time).
    this.state.clock.track?.(upload);
    const uploadFailure = await upload;
    if (task.state === 'completed' || this.state.jobs.get(task.job.id) !== task.job) return;
    this.complete(task, outcome.exitCode, outcome.failureInfo ?? uploadFailure);
  }

  /** Marks a task completed, settles its dependents and applies job-level actions. */
  complete(task: TaskRecord, exitCode: number | undefined, failureInfo?: FailureInfo): void {
    const now = this.state.now();
    const exec = task.exec;
    exec.endTime = now;
    exec.exitCode = exitCode;
    if (exec.startTime !== undefined) this.state.meter.add('task', now - exec.startTime);
    const success = exitCode === 0 && !failureInfo;
    exec.result = success ? 'success' : 'failure';
    exec.failureInfo =
      failureInfo ??
      (success
        ? undefined
        : failure('FailureExitCode', 'The task process exited with an unexpected exit code'));
    task.queued = false;
    setTaskState(task, 'completed', now);
    const job = task.job;
    const options = exitOptions(task.spec.exitConditions, exitCode, exec.failureInfo);
    const dependencyAction = (options?.dependencyAction ?? (success ? 'satisfy' : 'block')).toLowerCase();
    const dependents = job.dependents.get(task.id) ?? [];
    job.dependents.delete(task.id);
    if (dependencyAction === 'satisfy') {
      job.satisfied.add(task.id);
      for (const dependent of dependents) {
        dependent.pendingDeps -= 1;
        this.makeReady(dependent);
      }
    } else {
      job.blocking.add(task.id);
      for (const dependent of dependents) dependent.blocked = true;
    }
    if (job.onTaskFailure === 'performexitoptionsjobaction') {
      const action = (options?.jobAction ?? (success ? 'none' : 'terminate')).toLowerCase();
      if (action === 'terminate') this.terminateJob(job, 'TaskFailed');
      else if (action === 'disable') job.state = 'disabled';
    }
    this.checkAllComplete(job);
  }

  checkAllComplete(job: JobRecord): void {
    if (
      job.onAllTasksComplete === 'terminatejob' &&
      job.state === 'active' &&
      job.counts.completed === job.tasks.size
    ) {
      this.terminateJob(job, 'AllTasksComplete');
    }
  }

  /** Ends a running or waiting task as `task.terminate` does. */
  terminateTask(task: TaskRecord): void {
    if (task.state === 'completed') return;
    const running = task.attempt !== undefined;
    this.abandonAttempt(task);
    task.queued = false;
    this.complete(task, running ? 137 : undefined, failure('TaskEnded', 'Task Was Ended by User Request'));
  }

  /** active -> terminating -> completed: running tasks are ended; waiting tasks stay active, never to run. */
  terminateJob(job: JobRecord, reason: string): void {
    if (job.state === 'completed' || job.state === 'terminating' || job.state === 'deleting') return;
    const now = this.state.now();
    transitionJob(job, 'terminating', now);
    job.terminateReason = reason;
    job.cancelWallClock?.();
    for (const task of job.tasks.values()) {
      task.queued = false;
      if (task.state === 'running' || task.state === 'preparing') this.terminateTask(task);
    }
    this.state.timeline.after(0, () => {
      if (job.state !== 'terminating') return;
      job.endTime = this.state.now();
      transitionJob(job, 'completed', this.state.now());
    });
  }
}

export function transitionJob(job: JobRecord, state: JobRecord['state'], now: number): void {
  job.previousState = job.state;
  job.previousStateTransitionTime = job.stateTransitionTime;
  job.state = state;
  job.stateTransitionTime = now;
  job.lastModified = now;
  job.eTag = newETag();
}
