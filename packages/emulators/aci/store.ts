import type { Clock } from '../common/clock';
import { ArmError, invalidContent, notFound, transitioning } from './errors';
import {
  groupState,
  isTransitioning,
  provisioningState,
  type ContainerState,
  type GroupState,
} from './group';
import { containerStates, restartPolicyOf, stringTags } from './group-spec';
import { API_VERSION, type AciQuotas } from './options';
import { OperationLog } from './operations';
import { QuotaTracker, regionKey } from './quotas';
import { renderGroup } from './render';
import { checkRpFields, isTypeProblem } from './rp-checks';
import { checkGroupRules, groupShape } from './rules';
import type { GroupRuntime } from './runtime';
import { validateContainerGroupBody, validatePatchBody } from './validate';

type Obj = Record<string, unknown>;

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export interface StoreSettings {
  readonly quotas: AciQuotas;
  readonly provisioningMs: number;
  readonly provisioningTimeoutMs: number;
  readonly inaccessibleImages: readonly string[];
  /** Container mode: images the local engine does not have answer 400 InaccessibleImage too. */
  readonly missingImage?: (image: string) => boolean;
  readonly resourceGroups?: readonly string[];
}

/** How a fault shapes a create: longer provisioning, or provisioning that ends Failed. */
export interface CreateShaping {
  readonly extraProvisioningMs?: number;
  readonly provisionError?: { readonly code: string; readonly message: string };
  /** Fault id kept on the group for admin views. */
  readonly fault?: string;
}

/** Container groups and their operations, with ARM semantics. Handlers return a reply or throw `ArmError`. */
export class GroupStore {
  readonly groups = new Map<string, GroupState>();
  private readonly operations = new OperationLog();
  readonly quota: QuotaTracker;
  /** Resource groups that exist (lower case); undefined: any resource group exists. */
  private resourceGroups: Map<string, string> | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly runtime: GroupRuntime,
    private readonly settings: StoreSettings,
  ) {
    this.quota = new QuotaTracker(settings.quotas);
    if (settings.resourceGroups)
      this.resourceGroups = new Map(settings.resourceGroups.map((rg) => [rg.toLowerCase(), rg]));
  }

  /** Makes a resource group exist (admin API). Turns "any resource group" into an explicit list. */
  addResourceGroup(rg: string): void {
    this.resourceGroups ??= new Map();
    if (!this.resourceGroups.has(rg.toLowerCase())) this.resourceGroups.set(rg.toLowerCase(), rg);
  }

  /** Removes a resource group (admin API); its container groups are kept, but unreachable until re-added. */
  removeResourceGroup(rg: string): boolean {
    return this.resourceGroups?.delete(rg.toLowerCase()) ?? false;
  }

  /** The resource groups that exist, or undefined when any does. */
  listResourceGroups(): string[] | undefined {
    return this.resourceGroups ? [...this.resourceGroups.values()] : undefined;
  }

  key(sub: string, rg: string, name: string): string {
    return `${sub}/${rg}/${name}`.toLowerCase();
  }

  /** 404 ResourceGroupNotFound when resource groups are configured and `rg` is not one of them. */
  checkResourceGroup(rg: string): void {
    if (this.resourceGroups && !this.resourceGroups.has(rg.toLowerCase()))
      throw new ArmError(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);
  }

  get(sub: string, rg: string, name: string): GroupState {
    const g = this.groups.get(this.key(sub, rg, name));
    if (!g) throw notFound(rg, name);
    return g;
  }

  /** Validates a PUT before any fault or quota applies (the body must make sense first). */
  validatePut(name: string, body: unknown): Obj {
    const problems = validateContainerGroupBody(body);
    if (!problems.some(isTypeProblem)) checkRpFields(name, body);
    if (problems.length) throw invalidContent(problems);
    const obj = body as Obj;
    checkGroupRules(
      name,
      obj,
      this.settings.quotas,
      this.settings.inaccessibleImages,
      this.settings.missingImage,
    );
    return obj;
  }

  /** PUT: 201 + Azure-AsyncOperation for a new group; 200 for an existing one (redeployed if changed). */
  createOrUpdate(
    sub: string,
    rg: string,
    name: string,
    body: Obj,
    origin: string,
    shaping: CreateShaping = {},
  ): Reply {
    const { fault } = shaping;
    const now = this.clock.now();
    const key = this.key(sub, rg, name);
    const existing = this.groups.get(key);
    const location = String(body.location);
    const shape = groupShape(body);
    if (existing) {
      if (isTransitioning(existing, now)) throw transitioning(existing.name);
      const unchanged = JSON.stringify(existing.body.properties) === JSON.stringify(body.properties);
      existing.tags = stringTags(body.tags);
      if (unchanged) {
        existing.body = { ...existing.body, tags: existing.tags };
        return { status: 200, body: renderGroup(existing, now) };
      }
      this.runtime.destroy(existing);
      existing.folder = undefined;
      existing.body = body;
      existing.location = location;
      existing.region = regionKey(sub, location);
      existing.cores = shape.cores;
      existing.restartPolicy = restartPolicyOf(body);
      existing.containers = containerStates(body);
      existing.stoppedAt = undefined;
      return this.beginProvisioning(existing, origin, 200, shaping);
    }
    this.quota.checkCreate(sub, location, shape.cores, this.groups.values(), now);
    this.quota.recordCreate(sub, now);
    const g: GroupState = {
      key,
      subscription: sub,
      resourceGroup: rg,
      name,
      location,
      region: regionKey(sub, location),
      body,
      tags: stringTags(body.tags),
      restartPolicy: restartPolicyOf(body),
      cores: shape.cores,
      createdAt: now,
      generation: 0,
      provisionStart: now,
      pendingUntil: now,
      provisionedAt: now,
      containers: containerStates(body),
      operationId: '',
      ...(fault ? { fault } : {}),
    };
    this.groups.set(key, g);
    const reply = this.beginProvisioning(g, origin, 201, shaping);
    const left = this.quota.remaining(sub, now);
    return {
      ...reply,
      headers: {
        ...reply.headers,
        'x-ms-ratelimit-remaining-subscription-resource-requests-pt5m': String(left.pt5m),
        'x-ms-ratelimit-remaining-subscription-resource-requests-pt1h': String(left.pt1h),
      },
    };
  }

  private beginProvisioning(
    g: GroupState,
    origin: string,
    status: number,
    shaping: CreateShaping = {},
  ): Reply {
    const now = this.clock.now();
    const total = this.settings.provisioningMs + (shaping.extraProvisioningMs ?? 0);
    g.generation += 1;
    g.provisionStart = now;
    g.pendingUntil = now + Math.round(this.settings.provisioningMs * 0.4);
    g.provisionedAt = now + Math.min(total, this.settings.provisioningTimeoutMs);
    g.provisionError =
      total > this.settings.provisioningTimeoutMs
        ? {
            code: 'Failed',
            message: `The container group '${g.name}' did not finish provisioning within ${Math.round(this.settings.provisioningTimeoutMs / 60_000)} minutes.`,
          }
        : shaping.provisionError;
    g.operationId = this.operations.begin(g, now);
    this.runtime.provision(g);
    return {
      status,
      body: renderGroup(g, now),
      headers: { 'azure-asyncoperation': this.operations.url(g, origin) },
    };
  }

  operation(operationId: string): Reply {
    return { status: 200, body: this.operations.status(operationId, this.groups, this.clock.now()) };
  }

  patch(sub: string, rg: string, name: string, body: unknown): Reply {
    const problems = validatePatchBody(body);
    if (problems.length) throw invalidContent(problems);
    const g = this.get(sub, rg, name);
    const tags = (body as Obj).tags;
    if (tags !== undefined) {
      g.tags = stringTags(tags);
      g.body = { ...g.body, tags: g.tags };
    }
    return { status: 200, body: renderGroup(g, this.clock.now()) };
  }

  delete(sub: string, rg: string, name: string): Reply {
    const g = this.groups.get(this.key(sub, rg, name));
    if (!g) return { status: 204 };
    const now = this.clock.now();
    if (isTransitioning(g, now)) throw transitioning(g.name);
    this.quota.checkAndRecordDelete(sub, g.location, now);
    const body = renderGroup(g, now);
    this.remove(g);
    return { status: 200, body };
  }

  remove(g: GroupState): void {
    this.runtime.destroy(g);
    this.groups.delete(g.key);
  }

  list(sub: string, rg: string | undefined, skip: number, pageSize: number, nextBase: string): Reply {
    const now = this.clock.now();
    const prefix = (rg === undefined ? `${sub}/` : `${sub}/${rg}/`).toLowerCase();
    const items: GroupState[] = [];
    let seen = 0;
    for (const [key, g] of this.groups) {
      if (!key.startsWith(prefix)) continue;
      if (seen++ < skip) continue;
      if (items.length === pageSize) {
        return {
          status: 200,
          body: {
            value: items.map((x) => renderGroup(x, now, false)),
            nextLink: `${nextBase}?api-version=${API_VERSION}&$skiptoken=${skip + pageSize}`,
          },
        };
      }
      items.push(g);
    }
    return { status: 200, body: { value: items.map((x) => renderGroup(x, now, false)) } };
  }

  start(sub: string, rg: string, name: string, origin: string): Reply {
    const g = this.get(sub, rg, name);
    const now = this.clock.now();
    if (isTransitioning(g, now)) throw transitioning(g.name);
    const state = groupState(g, now);
    if (state === 'Running') return { status: 204 };
    this.runtime.destroy(g);
    g.folder = undefined;
    g.stoppedAt = undefined;
    g.containers = containerStates(g.body);
    const reply = this.beginProvisioning(g, origin, 202);
    return { status: 202, headers: reply.headers };
  }

  stop(sub: string, rg: string, name: string): Reply {
    const g = this.get(sub, rg, name);
    if (isTransitioning(g, this.clock.now())) throw transitioning(g.name);
    if (g.stoppedAt === undefined) this.runtime.stop(g);
    return { status: 204 };
  }

  restart(sub: string, rg: string, name: string): Reply {
    const g = this.get(sub, rg, name);
    const now = this.clock.now();
    if (isTransitioning(g, now) || provisioningState(g, now) === 'Failed') throw transitioning(g.name);
    this.runtime.restart(g);
    return { status: 204 };
  }

  render(g: GroupState, now: number): Obj {
    return renderGroup(g, now);
  }

  container(g: GroupState, name: string): ContainerState {
    const c = g.containers.find((x) => x.name === name);
    if (!c)
      throw new ArmError(
        404,
        'ContainerNotFound',
        `The container '${name}' of container group '${g.name}' is not found.`,
      );
    return c;
  }

  clear(): void {
    for (const g of this.groups.values()) this.runtime.destroy(g);
    this.groups.clear();
    this.operations.clear();
    this.quota.reset();
  }
}
