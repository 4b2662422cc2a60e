import { randomUUID } from 'node:crypto';
import type { Clock } from '../common/clock';
import { ArmError, transitioning } from './errors';
import { isTransitioning } from './group';
import { lastLines, withTimestamps } from './logs';
import { iso } from './group';
import type { RouteMatch } from './routes';
import type { CreateShaping, GroupStore, Reply } from './store';
import type { AciQuotas } from './options';
import { regionKey, regionUsage } from './quotas';

type Obj = Record<string, unknown>;

export interface CallContext {
  readonly route: RouteMatch;
  readonly body: unknown;
  readonly query: URLSearchParams;
  readonly origin: string;
  readonly pathname: string;
  readonly shaping?: CreateShaping;
}

/** Runs one ARM operation against the store. Throws `ArmError` for ARM error answers. */
export function dispatch(
  store: GroupStore,
  clock: Clock,
  quotas: AciQuotas,
  pageSize: number,
  ctx: CallContext,
): Reply {
  const { operation, params } = ctx.route;
  const sub = params.subscription;
  const rg = params.resourceGroup ?? '';
  const name = params.group ?? '';
  if (params.resourceGroup !== undefined) store.checkResourceGroup(rg);
  switch (operation) {
    case 'ContainerGroups_CreateOrUpdate':
      return store.createOrUpdate(sub, rg, name, store.validatePut(name, ctx.body), ctx.origin, ctx.shaping);
    case 'ContainerGroups_Get':
      return { status: 200, body: renderGet(store, clock, sub, rg, name) };
    case 'ContainerGroups_Update':
      return store.patch(sub, rg, name, ctx.body);
    case 'ContainerGroups_Delete':
      return store.delete(sub, rg, name);
    case 'ContainerGroups_List':
    case 'ContainerGroups_ListByResourceGroup': {
      const token = ctx.query.get('$skiptoken');
      const skip = token === null ? 0 : Number.parseInt(token, 10);
      if (!Number.isInteger(skip) || skip < 0)
        throw new ArmError(
          400,
          'InvalidSkipToken',
          `$skiptoken: ${JSON.stringify(token)} is not a valid skip token`,
        );
      return store.list(
        sub,
        operation === 'ContainerGroups_List' ? undefined : rg,
        skip,
        pageSize,
        `${ctx.origin}${ctx.pathname}`,
      );
    }
    case 'ContainerGroups_Start':
      return store.start(sub, rg, name, ctx.origin);
    case 'ContainerGroups_Stop':
      return store.stop(sub, rg, name);
    case 'ContainerGroups_Restart':
      return store.restart(sub, rg, name);
    case 'Containers_ListLogs':
      return { status: 200, body: { content: logs(store, clock, ctx) } };
    case 'Containers_ExecuteCommand':
    case 'Containers_Attach': {
      const g = store.get(sub, rg, name);
      store.container(g, params.container ?? '');
      const kind = operation === 'Containers_Attach' ? 'attach' : 'exec';
      return {
        status: 200,
        body: {
          webSocketUri: `wss://127.0.0.1/${kind}/${g.name}/${params.container ?? ''}`,
          password: randomUUID(),
        },
      };
    }
    case 'Location_ListUsage':
      return { status: 200, body: { value: usages(store, sub, params.location ?? '', quotas) } };
    case 'AsyncOperation_Get':
      return store.operation(params.operationId ?? '');
  }
}

function renderGet(store: GroupStore, clock: Clock, sub: string, rg: string, name: string): Obj {
  const g = store.get(sub, rg, name);
  return store.render(g, clock.now());
}

function logs(store: GroupStore, clock: Clock, ctx: CallContext): string {
  const { params } = ctx.route;
  const g = store.get(params.subscription, params.resourceGroup ?? '', params.group ?? '');
  if (isTransitioning(g, clock.now())) throw transitioning(g.name);
  const c = store.container(g, params.container ?? '');
  let content = c.run ? c.run.logs() : (c.logs ?? '');
  const tail = ctx.query.get('tail');
  if (tail !== null) {
    const n = Number(tail);
    if (!Number.isInteger(n) || n < 0)
      throw new ArmError(400, 'InvalidParameter', `tail: ${JSON.stringify(tail)} is not a whole number >= 0`);
    content = lastLines(content, n);
  }
  if (ctx.query.get('timestamps')?.toLowerCase() === 'true' && c.startedAt !== undefined)
    content = withTimestamps(
      content,
      iso(c.startedAt),
      c.finishedAt !== undefined ? iso(c.finishedAt) : undefined,
    );
  return content;
}

function usages(store: GroupStore, sub: string, location: string, quotas: AciQuotas): Obj[] {
  const { groups, cores } = regionUsage(store.groups.values(), regionKey(sub, location));
  const usage = (value: string, localizedValue: string, currentValue: number, limit: number): Obj => ({
    id: `/subscriptions/${sub}/providers/Microsoft.ContainerInstance/locations/${location}/usages/${value}`,
    unit: 'Count',
    currentValue,
    limit,
    name: { value, localizedValue },
  });
  return [
    usage('ContainerGroups', 'Container Groups', groups, quotas.groupsPerRegion),
    usage('StandardCores', 'Standard Cores', cores, quotas.coresPerRegion),
  ];
}
