import type { ContainerGroup, ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { type CallPolicy, callSdk } from '../../adapters/call-policy';
import { AdapterError, classify, isNotFound } from '../../adapters/errors';
import { containerGroupName, ownedBy, resourceTags } from '../naming';
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
import { type AciGroupSettings, CONTAINERS, buildContainerGroup, groupCores } from './group-body';
import { groupStatus } from './group-status';

/**
 * ComputeBackend on Azure Container Instances: one container group per step attempt, under a deterministic
 * name. Start = PUT, returning once ARM accepted it (the poller's first read); no waiting for provisioning or
 * for the step. Happy path per step: PUT + DELETE (2 writes); the poller's read, one status GET and one log
 * read (3 reads). A retried start also GETs the group, and leaves it alone if it exists.
 */
export interface AciBackendDeps extends StartResolverDeps, AciGroupSettings {
  readonly client: ContainerInstanceManagementClient;
  readonly resourceGroup: string;
  readonly policy: CallPolicy;
  /** How long a group may outlive its step's timeout before the sweeper removes it. */
  readonly expiryMarginMs?: number;
  /** FLOTILLA_DEPLOYMENT_ID: every group is tagged with it; listManaged returns only this deployment's. */
  readonly deploymentId: string;
  readonly now?: () => number;
}

export class AciBackend implements ComputeBackend {
  readonly kind = 'aci' as const;

  constructor(private readonly deps: AciBackendDeps) {}

  admissionCores(step: Pick<StepLaunch, 'cpu' | 'memoryGb'>): number {
    return groupCores(step);
  }

  async start(launches: readonly StepLaunch[]): Promise<StartResult[]> {
    const results: StartResult[] = [];
    for (const launch of launches) results.push(await this.startOne(launch));
    return results;
  }

  private async startOne(launch: StepLaunch): Promise<StartResult> {
    const name = containerGroupName(launch);
    const ref = {
      runId: launch.runId,
      imageKey: launch.imageKey,
      step: launch.step,
      attempt: launch.attempt,
    };
    // A start journal (one create-only blob) tells a first try from a retry, so only a retry pays an ARM
    // read to find out whether its earlier PUT went through. A retried PUT would restart a running group
    // (the secure values differ), so a group that exists is left alone.
    const journal = `${launch.logs.prefix.replace(/\/+$/, '')}/aci-start.json`;
    const firstTry = await this.deps.store.createOnce(launch.logs.container, journal, { group: name });
    if (!firstTry && (await this.exists(name))) return { ...ref, resource: name, created: false };
    const resolved = await resolveStart(launch, this.deps);
    const now = this.deps.now?.() ?? Date.now();
    const expiresAt = new Date(now + launch.timeoutMs + (this.deps.expiryMarginMs ?? 30 * 60_000));
    const tags = resourceTags(launch, expiresAt, this.deps.deploymentId);
    const body = buildContainerGroup(launch, resolved, this.deps, tags);
    await this.call('ContainerGroups_CreateOrUpdate', async (abortSignal) => {
      // The poller sends the PUT and reads the operation once; we return there (ACCEPTED), never waiting.
      try {
        await this.deps.client.containerGroups.beginCreateOrUpdate(this.deps.resourceGroup, name, body, {
          abortSignal,
        });
      } catch (error) {
        const lroFailed = error instanceof Error && /long-running operation has failed/i.test(error.message);
        if (!lroFailed || (error as { statusCode?: number }).statusCode !== undefined) throw error;
        // Provisioning failed (capacity, ACI's timeout): the group stays and holds quota until deleted.
        await this.deleteGroup(name).catch(() => undefined);
        throw classify(error, { service: 'aci', operation: 'ContainerGroups_CreateOrUpdate' });
      }
    });
    return { ...ref, resource: name, created: true };
  }

  private async exists(name: string): Promise<boolean> {
    try {
      await this.get(name);
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  private get(name: string): Promise<ContainerGroup> {
    return this.call('ContainerGroups_Get', (abortSignal) =>
      this.deps.client.containerGroups.get(this.deps.resourceGroup, name, { abortSignal }),
    );
  }

  async status(ref: StepRef): Promise<StepStatus> {
    try {
      return groupStatus(await this.get(containerGroupName(ref)));
    } catch (error) {
      if (isNotFound(error))
        return { state: 'failed', reason: 'container group not found (deleted or never created)' };
      throw error;
    }
  }

  /** ACI has no cheap "what finished" query (lists omit instance views): completion arrives as events. */
  async pollRun(runId: string, watermark?: string): Promise<RunPoll> {
    const groups = (await this.listManaged()).filter((g) => g.runId === runId);
    const completed = [];
    for (const g of groups) {
      if (g.image === undefined || g.step === undefined || g.attempt === undefined) continue;
      const ref = { runId, imageKey: g.image, step: g.step, attempt: g.attempt };
      const status = await this.status(ref);
      if (status.state === 'succeeded' || status.state === 'failed') completed.push({ ...ref, ...status });
    }
    return { completed, watermark: watermark ?? '' };
  }

  async saveLogs(
    launch: Pick<StepLaunch, keyof StepRef | 'logs'>,
    options: { includeStagers?: boolean } = {},
  ): Promise<string[]> {
    const name = containerGroupName(launch);
    const containers = options.includeStagers
      ? [CONTAINERS.stageIn, CONTAINERS.step, CONTAINERS.stageOut]
      : [CONTAINERS.step];
    const written: string[] = [];
    for (const container of containers) {
      let content: string | undefined;
      try {
        const logs = await this.call('Containers_ListLogs', (abortSignal) =>
          this.deps.client.containers.listLogs(this.deps.resourceGroup, name, container, { abortSignal }),
        );
        content = logs.content;
      } catch (error) {
        if (isNotFound(error)) continue;
        throw error;
      }
      const blob = `${launch.logs.prefix.replace(/\/+$/, '')}/${container}.log`;
      await this.deps.store.putText(launch.logs.container, blob, content ?? '');
      written.push(blob);
    }
    return written;
  }

  /** Moves the expiry tag (PATCH tags only; the group keeps running or stays stopped). */
  async keep(ref: StepRef, keepUntil: string): Promise<void> {
    await this.retag(ref, resourceTags(ref, new Date(keepUntil), this.deps.deploymentId));
  }

  async deferRelease(ref: StepRef): Promise<void> {
    const now = new Date(this.deps.now?.() ?? Date.now());
    await this.retag(ref, resourceTags(ref, now, this.deps.deploymentId, { teardown: 'deferred' }));
  }

  private async retag(ref: StepRef, tags: Record<string, string>): Promise<void> {
    try {
      await this.call('ContainerGroups_Update', (abortSignal) =>
        this.deps.client.containerGroups.update(
          this.deps.resourceGroup,
          containerGroupName(ref),
          { tags },
          { abortSignal },
        ),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async release(ref: StepRef): Promise<void> {
    await this.deleteGroup(containerGroupName(ref));
  }

  async finishRun(): Promise<void> {
    // Nothing run-wide on ACI: each group is released with its step.
  }

  async listManaged(): Promise<ManagedResource[]> {
    const out: ManagedResource[] = [];
    await this.call('ContainerGroups_ListByResourceGroup', async (abortSignal) => {
      out.length = 0;
      for await (const g of this.deps.client.containerGroups.listByResourceGroup(this.deps.resourceGroup, {
        abortSignal,
      })) {
        const tags = g.tags ?? {};
        if (!ownedBy(tags, this.deps.deploymentId) || !g.name || !tags.run) continue;
        out.push({
          backend: 'aci',
          name: g.name,
          runId: tags.run,
          ...(tags.image !== undefined ? { image: tags.image } : {}),
          ...(tags.step !== undefined ? { step: tags.step } : {}),
          ...(tags.attempt !== undefined ? { attempt: Number(tags.attempt) } : {}),
          ...(tags.expiry !== undefined ? { expiresAt: tags.expiry } : {}),
          ...(tags.teardown === 'deferred' ? { teardownDeferred: true } : {}),
        });
      }
    });
    return out;
  }

  async deleteManaged(resource: ManagedResource): Promise<void> {
    if (resource.backend !== 'aci')
      throw new Error(`not an ACI resource: ${resource.backend}/${resource.name}`);
    await this.deleteGroup(resource.name);
  }

  private async deleteGroup(name: string): Promise<void> {
    try {
      await this.call('ContainerGroups_Delete', async (abortSignal) => {
        // Returns once ARM accepted the delete; 204 (not found) is done too.
        await this.deps.client.containerGroups.beginDelete(this.deps.resourceGroup, name, { abortSignal });
      });
    } catch (error) {
      if (error instanceof AdapterError && error.code === 'NOT_FOUND') return;
      throw error;
    }
  }

  private call<T>(operation: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return callSdk({ service: 'aci', operation }, this.deps.policy, fn);
  }
}
