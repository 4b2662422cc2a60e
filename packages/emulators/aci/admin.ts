import type { Clock } from '../common/clock';
import { VirtualClock } from '../common/clock';
import { FaultError, type FaultInjector, type FaultRule } from '../common/faults';
import type { UsageMeter } from '../common/meter';
import type { RequestRecorder } from '../common/recorder';
import { groupState, provisioningState } from './group';
import type { Reply } from './store';
import type { GroupStore } from './store';

/** A container group still alive, as `GET /__admin/resources` lists it. */
export interface AciResource {
  readonly id: string;
  readonly subscription: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly location: string;
  readonly tags: Record<string, string>;
  readonly provisioningState: string;
  readonly state: string;
  readonly containers: readonly { name: string; init: boolean; state: string; exitCode?: number }[];
}

export function listResources(store: GroupStore, now: number): AciResource[] {
  return [...store.groups.values()].map((g) => ({
    id: `/subscriptions/${g.subscription}/resourceGroups/${g.resourceGroup}/providers/Microsoft.ContainerInstance/containerGroups/${g.name}`,
    subscription: g.subscription,
    resourceGroup: g.resourceGroup,
    name: g.name,
    location: g.location,
    tags: g.tags,
    provisioningState: provisioningState(g, now),
    state: groupState(g, now),
    containers: g.containers.map((c) => ({
      name: c.name,
      init: c.init,
      state: c.exitCode !== undefined ? 'Terminated' : c.startedAt !== undefined ? 'Running' : 'Waiting',
      ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
    })),
  }));
}

const adminError = (status: number, code: string, message: string): Reply => ({
  status,
  body: { error: { code, message } },
});

/** `/__admin/*`: recordings, counts, live resources, reset, fault rules and the virtual clock. No auth. */
export async function handleAdmin(
  method: string,
  path: string,
  body: unknown,
  deps: {
    store: GroupStore;
    recorder: RequestRecorder;
    faults: FaultInjector;
    clock: Clock;
    throttle?: { reset(): void };
    meter?: UsageMeter;
  },
): Promise<Reply> {
  const route = `${method} ${path.replace(/^\/__admin\//, '').replace(/\/$/, '')}`;
  const rg = /^(PUT|DELETE) resourcegroups\/([^/]+)$/i.exec(route);
  if (rg) return resourceGroupAdmin(deps.store, rg[1] ?? '', decodeURIComponent(rg[2] ?? ''));
  switch (route) {
    case 'GET resourcegroups':
      return { status: 200, body: { resourceGroups: deps.store.listResourceGroups() ?? '*' } };
    case 'GET requests':
      return { status: 200, body: deps.recorder.all() };
    case 'GET counts':
      return { status: 200, body: deps.recorder.counts() };
    case 'GET resources':
      return { status: 200, body: listResources(deps.store, deps.clock.now()) };
    case 'GET billing':
      return { status: 200, body: deps.meter?.bill() ?? { byName: {}, total: {} } };
    case 'POST reset':
      deps.throttle?.reset();
      deps.store.clear();
      deps.recorder.clear();
      deps.faults.clear();
      deps.meter?.clear();
      return { status: 204 };
    case 'POST faults': {
      const rules = Array.isArray(body) ? body : (body as { rules?: unknown } | undefined)?.rules;
      if (!Array.isArray(rules))
        return adminError(
          400,
          'InvalidFaultRules',
          'body: expected an array of fault rules or { "rules": [...] }',
        );
      try {
        deps.faults.add(...(rules as FaultRule[]));
      } catch (error) {
        if (error instanceof FaultError) return adminError(400, 'InvalidFaultRules', error.message);
        throw error;
      }
      return { status: 200, body: { rules: deps.faults.rules() } };
    }
    case 'POST clock/advance': {
      if (!(deps.clock instanceof VirtualClock))
        return adminError(
          400,
          'NotVirtualClock',
          'clock/advance needs the emulator to run on a VirtualClock',
        );
      const ms = (body as { ms?: unknown } | undefined)?.ms;
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0)
        return adminError(400, 'InvalidRequestContent', 'body.ms: expected a number of milliseconds >= 0');
      await deps.clock.advance(ms);
      return { status: 200, body: { now: new Date(deps.clock.now()).toISOString() } };
    }
    default:
      return adminError(
        404,
        'NotFound',
        `${method} ${path} is not an admin endpoint; expected GET requests|counts|resources|resourcegroups, POST reset|faults|clock/advance, PUT|DELETE resourcegroups/{name}`,
      );
  }
}

/** ARM's resource group name rule: 1-90 letters, digits, `_`, `-`, `.`, `(`, `)`, not ending in `.`. */
const RESOURCE_GROUP = /^[-\w.()]{0,89}[-\w()]$/u;

/** `PUT /__admin/resourcegroups/{name}` makes a resource group exist; `DELETE` removes it. */
function resourceGroupAdmin(store: GroupStore, method: string, name: string): Reply {
  if (method.toUpperCase() === 'DELETE')
    return store.removeResourceGroup(name)
      ? { status: 204 }
      : adminError(404, 'ResourceGroupNotFound', `Resource group '${name}' could not be found.`);
  if (!RESOURCE_GROUP.test(name))
    return adminError(
      400,
      'InvalidResourceGroupName',
      `resource group ${JSON.stringify(name.slice(0, 100))}: expected 1-90 letters, digits, '_', '-', '.', '(' or ')', not ending in '.'`,
    );
  store.addResourceGroup(name);
  return { status: 201, body: { name, resourceGroups: store.listResourceGroups() } };
}
