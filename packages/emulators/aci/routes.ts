/**
 * The ARM routes of Microsoft.ContainerInstance that the SDK calls, with operation names from the REST spec.
 * Fixed path segments match case-insensitively, as ARM does; names keep the caller's spelling.
 */
export type AciOperation =
  | 'ContainerGroups_CreateOrUpdate'
  | 'ContainerGroups_Get'
  | 'ContainerGroups_Update'
  | 'ContainerGroups_Delete'
  | 'ContainerGroups_List'
  | 'ContainerGroups_ListByResourceGroup'
  | 'ContainerGroups_Start'
  | 'ContainerGroups_Stop'
  | 'ContainerGroups_Restart'
  | 'Containers_ListLogs'
  | 'Containers_ExecuteCommand'
  | 'Containers_Attach'
  | 'Location_ListUsage'
  /** The `Azure-AsyncOperation` status URL the poller follows (not in the SDK's operation list). */
  | 'AsyncOperation_Get';

export interface RouteParams {
  readonly subscription: string;
  readonly resourceGroup?: string;
  readonly group?: string;
  readonly container?: string;
  readonly location?: string;
  readonly operationId?: string;
}

export interface RouteMatch {
  readonly operation: AciOperation;
  readonly params: RouteParams;
  /** api-version this route expects. */
  readonly apiVersion: 'resource' | 'operation';
}

const SEG = '([^/]+)';
const PROVIDER = '/providers/microsoft\\.containerinstance';
const SUB = `^/subscriptions/${SEG}`;
const RG = `${SUB}/resourcegroups/${SEG}${PROVIDER}/containergroups`;

interface RouteDef {
  readonly method: string;
  readonly pattern: RegExp;
  readonly operation: AciOperation;
  readonly keys: readonly (keyof RouteParams)[];
  readonly apiVersion?: 'operation';
}

const route = (
  method: string,
  source: string,
  operation: AciOperation,
  keys: readonly (keyof RouteParams)[],
  apiVersion?: 'operation',
): RouteDef => ({ method, pattern: new RegExp(`${source}/?$`, 'i'), operation, keys, apiVersion });

const GROUP_KEYS = ['subscription', 'resourceGroup', 'group'] as const;
const CONTAINER_KEYS = ['subscription', 'resourceGroup', 'group', 'container'] as const;

const ROUTES: readonly RouteDef[] = [
  route('PUT', `${RG}/${SEG}`, 'ContainerGroups_CreateOrUpdate', GROUP_KEYS),
  route('GET', `${RG}/${SEG}`, 'ContainerGroups_Get', GROUP_KEYS),
  route('PATCH', `${RG}/${SEG}`, 'ContainerGroups_Update', GROUP_KEYS),
  route('DELETE', `${RG}/${SEG}`, 'ContainerGroups_Delete', GROUP_KEYS),
  route('GET', RG, 'ContainerGroups_ListByResourceGroup', ['subscription', 'resourceGroup']),
  route('GET', `${SUB}${PROVIDER}/containergroups`, 'ContainerGroups_List', ['subscription']),
  route('POST', `${RG}/${SEG}/start`, 'ContainerGroups_Start', GROUP_KEYS),
  route('POST', `${RG}/${SEG}/stop`, 'ContainerGroups_Stop', GROUP_KEYS),
  route('POST', `${RG}/${SEG}/restart`, 'ContainerGroups_Restart', GROUP_KEYS),
  route('GET', `${RG}/${SEG}/containers/${SEG}/logs`, 'Containers_ListLogs', CONTAINER_KEYS),
  route('POST', `${RG}/${SEG}/containers/${SEG}/exec`, 'Containers_ExecuteCommand', CONTAINER_KEYS),
  route('POST', `${RG}/${SEG}/containers/${SEG}/attach`, 'Containers_Attach', CONTAINER_KEYS),
  route('GET', `${SUB}${PROVIDER}/locations/${SEG}/usages`, 'Location_ListUsage', [
    'subscription',
    'location',
  ]),
  route(
    'GET',
    `${SUB}${PROVIDER}/locations/${SEG}/operations/${SEG}`,
    'AsyncOperation_Get',
    ['subscription', 'location', 'operationId'],
    'operation',
  ),
];

export function matchRoute(method: string, path: string): RouteMatch | undefined {
  for (const def of ROUTES) {
    if (def.method !== method) continue;
    const m = def.pattern.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    def.keys.forEach((key, i) => (params[key] = decodeURIComponent(m[i + 1] ?? '')));
    return {
      operation: def.operation,
      params: params as unknown as RouteParams,
      apiVersion: def.apiVersion ?? 'resource',
    };
  }
  return undefined;
}

/** True when some route has this path under another method (405 rather than 404). */
export function pathKnown(path: string): boolean {
  return ROUTES.some((def) => def.pattern.test(path));
}
