import type { BatchServiceClient, BatchServiceModels } from '@azure/batch';
import { type CallPolicy, callSdk } from '../../adapters/call-policy';
import { AdapterError, isNotFound } from '../../adapters/errors';
import { MANAGED_BY, DEPLOYMENT_TAG, batchJobId, batchTaskId, resourceTags } from '../naming';
import type {
  ComputeBackend,
  ManagedResource,
  RunPoll,
  StartResult,
  StepLaunch,
  StepRef,
  StepStatus,
} from '../port';
import { type StartResolverDeps, resolveStart } from '../start-resolver';
import { addTasks } from './add-tasks';
import { msSignal } from './batch-client';
import { TASK_SELECT, completedFilter, foldCompleted } from './run-poll';
import { buildJob, buildPool, buildTask, poolIdFor } from './task-body';
import { taskStatus } from './task-status';
import { STATE_CONTAINER, statePaths } from '../../runs/paths';
import { deleteJob, deletePool, listJobs, listPools, terminateJob } from './managed';
import {
  STAGING_CONCURRENCY,
  collectAttempt,
  collectRunStaging,
  mapLimit,
  stageAttempt,
  stageSecrets,
} from './staging';

/**
 * ComputeBackend on Azure Batch: one job per run (the active-job quota is 100-300 per account), a task per
 * image and step, pools named or made from a spec (hash-named, autoscale to zero). Completion is read for a
 * whole run in one list call per poll. Each attempt writes only to its own staging container (staging.ts),
 * collected by the app before the attempt is reported final.
 */
export interface BatchBackendDeps extends Omit<StartResolverDeps, 'callbackUrl'> {
  readonly client: BatchServiceClient;
  readonly policy: CallPolicy;
  /** FLOTILLA_BATCH_POOL_ID, for launches that name no pool. */
  readonly defaultPoolId?: string;
  readonly identityId?: string;
  readonly expiryMarginMs?: number;
  readonly now?: () => number;
  /** FLOTILLA_DEPLOYMENT_ID: jobs and pools carry it; listManaged returns only this deployment's. */
  readonly deploymentId: string;
}

export class BatchBackend implements ComputeBackend {
  readonly kind = 'batch' as const;
  private readonly knownPools = new Set<string>();
  private readonly knownJobs = new Set<string>();

  constructor(private readonly deps: BatchBackendDeps) {}

  async start(launches: readonly StepLaunch[]): Promise<StartResult[]> {
    const byRun = new Map<string, StepLaunch[]>();
    for (const l of launches) byRun.set(l.runId, [...(byRun.get(l.runId) ?? []), l]);
    const results: StartResult[] = [];
    for (const [runId, list] of byRun) results.push(...(await this.startRun(runId, list)));
    return results;
  }

  private async startRun(runId: string, list: readonly StepLaunch[]): Promise<StartResult[]> {
    const first = list[0];
    if (!first) return [];
    const timeoutMs = Math.max(...list.map((l) => l.timeoutMs));
    const poolId = await this.ensurePool(first);
    const jobId = await this.ensureJob(runId, poolId, timeoutMs);
    const { store } = this.deps;
    const tasks = await mapLimit(list, STAGING_CONCURRENCY, async (launch) => {
      const deps = { ...this.deps, callbackUrl: () => '', stagedOutputs: true };
      const { secretEnv, ...resolved } = await resolveStart(launch, deps);
      const secretsUrl = await stageSecrets(store, launch, secretEnv);
      const options = {
        stagingUrl: await stageAttempt(store, launch),
        ...(this.deps.identityId ? { identityId: this.deps.identityId } : {}),
        ...(secretsUrl ? { secretsUrl } : {}),
      };
      return buildTask(launch, resolved, jobId, options);
    });
    const outcomes = await addTasks(this.deps.client, jobId, tasks, this.deps.policy).catch(
      async (error: unknown) => {
        if (!isNotFound(error)) throw error;
        // The job was deleted behind our back (sweeper, operator): make it again, once.
        this.knownJobs.delete(jobId);
        await this.ensureJob(runId, poolId, timeoutMs);
        return addTasks(this.deps.client, jobId, tasks, this.deps.policy);
      },
    );
    return list.map((launch, i) => ({
      runId,
      imageKey: launch.imageKey,
      step: launch.step,
      attempt: launch.attempt,
      resource: `${jobId}/${batchTaskId(launch)}`,
      created: outcomes[i]?.created ?? false,
    }));
  }

  private async ensurePool(launch: StepLaunch): Promise<string> {
    const pool = launch.pool ?? this.deps.defaultPoolId;
    if (pool === undefined)
      throw new AdapterError(
        'BAD_REQUEST',
        'permanent',
        `step ${launch.step}: no Batch pool (set pool in the step or FLOTILLA_BATCH_POOL_ID)`,
        {
          service: 'batch',
          operation: 'Pool_Add',
        },
      );
    if (typeof pool === 'string') return pool;
    const id = poolIdFor(pool);
    if (this.knownPools.has(id)) return id;
    const registry =
      launch.registry && 'identity' in launch.registry && this.deps.identityId
        ? { registryServer: launch.registry.server, identityReference: { resourceId: this.deps.identityId } }
        : undefined;
    const body = buildPool(
      pool,
      { 'managed-by': MANAGED_BY, [DEPLOYMENT_TAG]: this.deps.deploymentId },
      registry,
    );
    await this.ignoring('PoolExists', 'Pool_Add', (abortSignal) =>
      this.deps.client.pool.add(body, { abortSignal: msSignal(abortSignal) }),
    );
    this.knownPools.add(id);
    return id;
  }

  private async ensureJob(runId: string, poolId: string, timeoutMs: number): Promise<string> {
    const jobId = batchJobId(runId);
    if (this.knownJobs.has(jobId)) return jobId;
    const now = this.deps.now?.() ?? Date.now();
    const expiry = new Date(now + timeoutMs + (this.deps.expiryMarginMs ?? 24 * 3600_000));
    await this.ignoring('JobExists', 'Job_Add', (abortSignal) =>
      this.deps.client.job.add(
        buildJob(jobId, poolId, resourceTags({ runId }, expiry, this.deps.deploymentId)),
        {
          abortSignal: msSignal(abortSignal),
        },
      ),
    );
    this.knownJobs.add(jobId);
    return jobId;
  }

  async status(ref: StepRef): Promise<StepStatus> {
    try {
      const task = await this.call('Task_Get', (abortSignal) =>
        this.deps.client.task.get(batchJobId(ref.runId), batchTaskId(ref), {
          taskGetOptions: { select: TASK_SELECT },
          abortSignal: msSignal(abortSignal),
        }),
      );
      return taskStatus(task);
    } catch (error) {
      if (isNotFound(error))
        return { state: 'failed', reason: 'Batch task not found (job deleted or never created)' };
      throw error;
    }
  }

  /** Completed tasks since the watermark: one list call (plus next pages) per poll, filtered server-side. */
  async pollRun(runId: string, watermark?: string): Promise<RunPoll> {
    const jobId = batchJobId(runId);
    const filter = completedFilter(watermark);
    const tasks: BatchServiceModels.CloudTask[] = [];
    let page = await this.call('Task_List', (abortSignal) =>
      this.deps.client.task.list(jobId, {
        taskListOptions: { filter, select: TASK_SELECT },
        abortSignal: msSignal(abortSignal),
      }),
    );
    tasks.push(...page);
    while (page.odatanextLink) {
      const link = page.odatanextLink;
      page = await this.call('Task_List', (abortSignal) =>
        this.deps.client.task.listNext(link, { abortSignal: msSignal(abortSignal) }),
      );
      tasks.push(...page);
    }
    return foldCompleted(runId, tasks, watermark);
  }

  /** Batch uploads stdout.txt/stderr.txt itself (outputFiles); collectOutputs moved them: names only. */
  saveLogs(launch: Pick<StepLaunch, keyof StepRef | 'logs'>): Promise<string[]> {
    const prefix = launch.logs.prefix.replace(/^\/+|\/+$/g, '');
    return Promise.resolve(['stdout.txt', 'stderr.txt'].map((f) => (prefix ? `${prefix}/${f}` : f)));
  }

  /** Batch steps hold no ACI cores: the pool's nodes are the pool's business. */
  admissionCores(): number {
    return 0;
  }

  /** Tasks live as long as the run's job, whose expiry covers the run: nothing to move. */
  async keep(): Promise<void> {}

  /** Tasks are never deleted one by one (the run's job goes at the end): nothing to hand over. */
  async deferRelease(): Promise<void> {}

  async collectOutputs(ref: StepRef, outcome: { readonly succeeded: boolean }): Promise<void> {
    await collectAttempt(this.deps.store, ref, outcome.succeeded);
  }

  async collectRun(runId: string): Promise<void> {
    await collectRunStaging(this.deps.store, runId);
  }

  /** Terminates the steps' tasks (a task that already completed, or is gone, is done). */
  async stop(refs: readonly StepRef[]): Promise<void> {
    for (const ref of refs) {
      await this.ignoring('TaskCompleted', 'Task_Terminate', (abortSignal) =>
        this.deps.client.task.terminate(batchJobId(ref.runId), batchTaskId(ref), {
          abortSignal: msSignal(abortSignal),
        }),
      ).catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
    }
  }

  /** The attempt ended: its secrets blob goes (the task has long read it). */
  async release(ref: StepRef): Promise<void> {
    await this.deps.store.deleteIfExists(STATE_CONTAINER, statePaths.stepSecrets(ref));
  }

  /** All tasks are added: let the job terminate itself once they have all completed. */
  async finishRun(runId: string): Promise<void> {
    await this.ignoring('JobCompleted', 'Job_Patch', (abortSignal) =>
      this.deps.client.job.patch(
        batchJobId(runId),
        { onAllTasksComplete: 'terminatejob' },
        { abortSignal: msSignal(abortSignal) },
      ),
    ).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }

  async listManaged(): Promise<ManagedResource[]> {
    const call = this.call.bind(this);
    const jobs = await listJobs(this.deps.client, call, this.deps.deploymentId);
    const used = new Set(jobs.map((j) => j.poolId));
    const pools = await listPools(this.deps.client, call, this.deps.deploymentId);
    return [
      ...jobs.map(({ poolId: _pool, ...job }) => job),
      ...pools.map((id) => ({
        backend: 'batch' as const,
        name: id,
        runId: '',
        pool: { unused: !used.has(id) },
      })),
    ];
  }

  /**
   * Terminates the job (if still active), collects what its attempts left staged (their logs) and deletes
   * the job; or deletes an unused pool. Idempotent.
   */
  async deleteManaged(resource: ManagedResource): Promise<void> {
    if (resource.backend !== 'batch')
      throw new Error(`not a Batch resource: ${resource.backend}/${resource.name}`);
    const call = this.call.bind(this);
    if (resource.pool) {
      this.knownPools.delete(resource.name);
      await deletePool(this.deps.client, call, resource.name);
      return;
    }
    await terminateJob(this.deps.client, call, resource.name);
    // Collected before the delete: if it fails, the job is still listed and the next sweep tries again.
    if (resource.runId) await this.collectRun(resource.runId);
    await deleteJob(this.deps.client, call, resource.name);
    this.knownJobs.delete(resource.name);
  }

  /** Deletes a run's job (after its results are collected). */
  deleteRun(runId: string): Promise<void> {
    return this.deleteManaged({ backend: 'batch', name: batchJobId(runId), runId });
  }

  private async ignoring(
    code: string,
    operation: string,
    fn: (signal: AbortSignal) => Promise<unknown>,
  ): Promise<void> {
    try {
      await this.call(operation, fn);
    } catch (error) {
      if (error instanceof AdapterError && error.details.serviceCode === code) return;
      throw error;
    }
  }

  private call<T>(operation: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return callSdk({ service: 'batch', operation }, this.deps.policy, fn);
  }
}
