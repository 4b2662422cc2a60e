import { groupState, iso, provisioningState, type ContainerState, type GroupState } from './group';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? (v as unknown[]) : []);

export const groupId = (g: GroupState): string =>
  `/subscriptions/${g.subscription}/resourceGroups/${g.resourceGroup}/providers/Microsoft.ContainerInstance/containerGroups/${g.name}`;

/** The group as ARM returns it: secrets removed, read-only fields added, instance view unless listing. */
export function renderGroup(g: GroupState, now: number, withInstanceView = true): Obj {
  const props = isObj(g.body.properties) ? g.body.properties : {};
  const out: Obj = {
    properties: {
      ...redactProps(props, g.location),
      sku: typeof props.sku === 'string' ? props.sku : 'Standard',
      provisioningState: provisioningState(g, now),
      restartPolicy: g.restartPolicy,
      containers: renderContainers(g, props.containers, false, now, withInstanceView),
      initContainers: renderContainers(g, props.initContainers, true, now, withInstanceView),
      ...(withInstanceView ? { instanceView: { events: [], state: groupState(g, now) } } : {}),
    },
    id: groupId(g),
    name: g.name,
    type: 'Microsoft.ContainerInstance/containerGroups',
    location: normalizeLocation(g.location),
    tags: g.tags,
  };
  if (isObj(g.body.identity)) out.identity = renderIdentity(g.body.identity);
  if (Array.isArray(g.body.zones)) out.zones = g.body.zones;
  return out;
}

/** ARM's spelling of a location: lower case without spaces (`West Europe` -> `westeurope`). */
export const normalizeLocation = (location: string): string => location.replace(/\s+/g, '').toLowerCase();

function redactProps(props: Obj, location: string): Obj {
  const out: Obj = { ...props };
  delete out.provisioningState;
  delete out.instanceView;
  if (Array.isArray(props.imageRegistryCredentials))
    out.imageRegistryCredentials = asArray(props.imageRegistryCredentials).map((c) => {
      if (!isObj(c)) return c;
      const { password: _password, ...rest } = c;
      return rest;
    });
  if (Array.isArray(props.volumes))
    out.volumes = asArray(props.volumes).map((v) => {
      if (!isObj(v)) return v;
      const copy: Obj = { ...v };
      if (isObj(v.azureFile)) {
        const { storageAccountKey: _key, ...rest } = v.azureFile;
        copy.azureFile = rest;
      }
      if (v.secret !== undefined) copy.secret = {};
      return copy;
    });
  if (isObj(props.diagnostics) && isObj(props.diagnostics.logAnalytics)) {
    const { workspaceKey: _key, ...rest } = props.diagnostics.logAnalytics;
    out.diagnostics = { ...props.diagnostics, logAnalytics: rest };
  }
  if (Array.isArray(props.extensions))
    out.extensions = asArray(props.extensions).map((e) => {
      if (!isObj(e) || !isObj(e.properties)) return e;
      const { protectedSettings: _protected, ...rest } = e.properties;
      return { ...e, properties: rest };
    });
  if (isObj(props.ipAddress)) out.ipAddress = renderIpAddress(props.ipAddress, location);
  return out;
}

/**
 * The group's IP address as ACI fills it in: `ip`, port protocols (`TCP` unless given) and, for a DNS name
 * label, `fqdn` = `<label>.<region>.azurecontainer.io` (docs/emulators-aci.md, "Fields ACI fills in").
 */
function renderIpAddress(ip: Obj, location: string): Obj {
  const out: Obj = {
    ...ip,
    ip: '127.0.0.1',
    ports: asArray(ip.ports).map((p) => (isObj(p) ? { protocol: 'TCP', ...p } : p)),
  };
  if (typeof ip.dnsNameLabel === 'string' && ip.dnsNameLabel !== '')
    out.fqdn = `${ip.dnsNameLabel}.${normalizeLocation(location)}.azurecontainer.io`;
  return out;
}

function renderIdentity(identity: Obj): Obj {
  const out: Obj = { ...identity };
  const type = typeof identity.type === 'string' ? identity.type : '';
  if (type.includes('SystemAssigned')) {
    out.principalId = '00000000-0000-0000-0000-00000000aac1';
    out.tenantId = '00000000-0000-0000-0000-0000000000e1';
  }
  if (isObj(identity.userAssignedIdentities)) {
    const ids: Obj = {};
    for (const key of Object.keys(identity.userAssignedIdentities))
      ids[key] = {
        principalId: '00000000-0000-0000-0000-00000000aac2',
        clientId: '00000000-0000-0000-0000-00000000aac3',
      };
    out.userAssignedIdentities = ids;
  }
  return out;
}

function renderContainers(
  g: GroupState,
  list: unknown,
  init: boolean,
  now: number,
  withInstanceView: boolean,
): Obj[] {
  return asArray(list).map((c) => {
    if (!isObj(c)) return {};
    const props = isObj(c.properties) ? c.properties : {};
    const out: Obj = {
      ...props,
      command: Array.isArray(props.command) ? props.command : [],
      environmentVariables: Array.isArray(props.environmentVariables) ? props.environmentVariables : [],
      ...(init ? {} : { ports: Array.isArray(props.ports) ? props.ports : [] }),
    };
    if (Array.isArray(props.environmentVariables))
      out.environmentVariables = asArray(props.environmentVariables).map((e) =>
        isObj(e) && e.secureValue !== undefined ? { name: e.name } : e,
      );
    const state = g.containers.find((s) => s.init === init && s.name === c.name);
    if (withInstanceView && state) out.instanceView = containerView(g, state, now);
    else delete out.instanceView;
    return { name: c.name, properties: out };
  });
}

function containerView(g: GroupState, c: ContainerState, now: number): Obj {
  const started = c.startedAt !== undefined && c.startedAt <= now;
  const currentState: Obj =
    !started || c.startedAt === undefined
      ? { state: 'Waiting', detailStatus: '' }
      : c.exitCode === undefined
        ? { state: 'Running', startTime: iso(c.startedAt), detailStatus: '' }
        : {
            state: 'Terminated',
            startTime: iso(c.startedAt),
            exitCode: c.exitCode,
            finishTime: iso(c.finishedAt ?? now),
            detailStatus: c.detail ?? '',
          };
  return {
    restartCount: c.restartCount,
    currentState,
    ...(c.previousState ? { previousState: c.previousState } : {}),
    events: containerEvents(g, c, now),
  };
}

const event = (name: string, at: number, message: string, type = 'Normal'): Obj => ({
  count: 1,
  firstTimestamp: iso(at),
  lastTimestamp: iso(at),
  name,
  message,
  type,
});

/** Events derived from timestamps (nothing is stored per event). */
function containerEvents(g: GroupState, c: ContainerState, now: number): Obj[] {
  const events: Obj[] = [];
  if (now >= g.pendingUntil) events.push(event('Pulling', g.pendingUntil, `pulling image "${c.image}"`));
  if (c.startedAt === undefined || c.startedAt > now) return events;
  events.push(
    event('Pulled', c.startedAt, `Successfully pulled image "${c.image}"`),
    event('Created', c.startedAt, `Created container ${c.name}`),
    event('Started', c.startedAt, `Started container ${c.name}`),
  );
  if (c.detail === 'Killed' && c.finishedAt !== undefined)
    events.push(event('Killing', c.finishedAt, `Killing container ${c.name}`));
  return events;
}

/** The body of the `Azure-AsyncOperation` URL. */
export function renderOperation(
  g: GroupState | undefined,
  generation: number,
  startTime: number,
  now: number,
): Obj {
  if (!g) return { status: 'Canceled', startTime: iso(startTime), properties: { events: [] } };
  const base = { id: groupId(g), startTime: iso(startTime) };
  if (g.generation !== generation) return { ...base, status: 'Succeeded', properties: { events: [] } };
  const state = provisioningState(g, now);
  const pulling =
    state === 'Pending'
      ? []
      : g.containers.map((c) => event('Pulling', g.pendingUntil, `Pulling image "${c.image}"`));
  if (state === 'Failed' && g.provisionError)
    return {
      ...base,
      status: 'Failed',
      properties: {
        events: [...pulling, event('Failed', g.provisionedAt, g.provisionError.message, 'Warning')],
      },
      error: { code: g.provisionError.code, message: g.provisionError.message },
    };
  return { ...base, status: state, properties: { events: pulling } };
}
