import { validateAciBody } from '../common/mapper-schema';

/**
 * Request-body validation of ContainerGroup PUT and PATCH bodies (wire shape, api-version 2023-05-01): the JSON
 * Schema derived from the SDK mappers (`common/mapper-schema.ts`) plus focused checks (required fields, types,
 * names, cross references, tag limits), each problem named by its JSON path. Extensible (`modelAsString`) enums
 * stay open, as ARM accepts unknown values for them; closed enums are checked.
 */
type Problems = string[];
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function str(o: Obj, key: string, at: string, p: Problems, required = false): string | undefined {
  const v = o[key];
  if (v === undefined) {
    if (required) p.push(`${at}.${key}: required string is missing`);
    return undefined;
  }
  if (typeof v !== 'string') p.push(`${at}.${key}: expected a string, got ${typeof v}`);
  return typeof v === 'string' ? v : undefined;
}

function num(o: Obj, key: string, at: string, p: Problems, required = false): number | undefined {
  const v = o[key];
  if (v === undefined) {
    if (required) p.push(`${at}.${key}: required number is missing`);
    return undefined;
  }
  if (typeof v !== 'number' || !Number.isFinite(v))
    p.push(`${at}.${key}: expected a number, got ${typeof v}`);
  return typeof v === 'number' ? v : undefined;
}

function obj(o: Obj, key: string, at: string, p: Problems, required = false): Obj | undefined {
  const v = o[key];
  if (v === undefined) {
    if (required) p.push(`${at}.${key}: required object is missing`);
    return undefined;
  }
  if (!isObj(v)) p.push(`${at}.${key}: expected an object`);
  return isObj(v) ? v : undefined;
}

function arr(o: Obj, key: string, at: string, p: Problems, required = false): unknown[] | undefined {
  const v = o[key];
  if (v === undefined) {
    if (required) p.push(`${at}.${key}: required array is missing`);
    return undefined;
  }
  if (!Array.isArray(v)) p.push(`${at}.${key}: expected an array`);
  return Array.isArray(v) ? (v as unknown[]) : undefined;
}

function oneOf(value: string | undefined, allowed: readonly string[], at: string, p: Problems): void {
  if (value !== undefined && !allowed.includes(value))
    p.push(`${at}: ${JSON.stringify(value)} is not allowed; expected one of ${allowed.join(', ')}`);
}

function stringArray(o: Obj, key: string, at: string, p: Problems): void {
  const a = arr(o, key, at, p);
  a?.forEach((v, i) => {
    if (typeof v !== 'string') p.push(`${at}.${key}[${i}]: expected a string`);
  });
}

function container(c: unknown, at: string, init: boolean, volumes: Set<string>, p: Problems): void {
  if (!isObj(c)) {
    p.push(`${at}: expected an object`);
    return;
  }
  const name = str(c, 'name', at, p, true);
  if (name !== undefined && (!NAME.test(name) || name.length > 63))
    p.push(
      `${at}.name: ${JSON.stringify(name)} must be 1-63 lowercase letters, digits or '-', not first or last`,
    );
  const props = obj(c, 'properties', at, p, true);
  if (!props) return;
  const pa = `${at}.properties`;
  const image = str(props, 'image', pa, p, true);
  if (image === '') p.push(`${pa}.image: must not be empty`);
  stringArray(props, 'command', pa, p);
  arr(props, 'environmentVariables', pa, p)?.forEach((e, i) => {
    const ea = `${pa}.environmentVariables[${i}]`;
    if (!isObj(e)) return void p.push(`${ea}: expected an object`);
    str(e, 'name', ea, p, true);
    str(e, 'value', ea, p);
    str(e, 'secureValue', ea, p);
  });
  arr(props, 'volumeMounts', pa, p)?.forEach((m, i) => {
    const ma = `${pa}.volumeMounts[${i}]`;
    if (!isObj(m)) return void p.push(`${ma}: expected an object`);
    const vol = str(m, 'name', ma, p, true);
    const path = str(m, 'mountPath', ma, p, true);
    if (vol !== undefined && !volumes.has(vol))
      p.push(`${ma}.name: volume ${JSON.stringify(vol)} is not declared in properties.volumes`);
    if (path !== undefined && !path.startsWith('/')) p.push(`${ma}.mountPath: must be an absolute path`);
  });
  if (init) return;
  arr(props, 'ports', pa, p)?.forEach((port, i) => {
    if (!isObj(port)) return void p.push(`${pa}.ports[${i}]: expected an object`);
    num(port, 'port', `${pa}.ports[${i}]`, p, true);
  });
  const resources = obj(props, 'resources', pa, p, true);
  if (!resources) return;
  const requests = obj(resources, 'requests', `${pa}.resources`, p, true);
  for (const [key, r] of [
    ['requests', requests] as const,
    ['limits', obj(resources, 'limits', `${pa}.resources`, p)] as const,
  ]) {
    if (!r) continue;
    const ra = `${pa}.resources.${key}`;
    const cpu = num(r, 'cpu', ra, p, key === 'requests');
    const mem = num(r, 'memoryInGB', ra, p, key === 'requests');
    if (cpu !== undefined && cpu <= 0) p.push(`${ra}.cpu: must be greater than 0`);
    if (mem !== undefined && mem <= 0) p.push(`${ra}.memoryInGB: must be greater than 0`);
    const gpu = obj(r, 'gpu', ra, p);
    if (gpu) {
      num(gpu, 'count', `${ra}.gpu`, p, true);
      str(gpu, 'sku', `${ra}.gpu`, p, true);
    }
  }
}

/**
 * Problems with a ContainerGroup PUT body, or an empty list: the SDK-mapper schema first, then the focused
 * checks below for paths the schema did not already flag (names, volume references, tag limits). Read-only
 * fields (`provisioningState`, `instanceView`, ...) are ignored, as ARM resource providers ignore them on PUT.
 */
export function validateContainerGroupBody(body: unknown): string[] {
  return merge(schemaProblems('ContainerGroup', body), focusedProblems(body));
}

/** ARM tag limits: 50 tags, names up to 512 characters, values up to 256. */
function checkTags(tags: Obj | undefined, p: Problems): void {
  if (!tags) return;
  const entries = Object.entries(tags);
  if (entries.length > 50) p.push(`body.tags: ${entries.length} tags; at most 50 are allowed`);
  for (const [k, v] of entries) {
    if (typeof v !== 'string') p.push(`body.tags.${k}: expected a string`);
    else if (v.length > 256)
      p.push(`body.tags.${k}: value has ${v.length} characters; at most 256 are allowed`);
    if (k.length > 512)
      p.push(`body.tags.${k.slice(0, 32)}...: name has ${k.length} characters; at most 512 are allowed`);
  }
}

function schemaProblems(model: string, body: unknown): string[] {
  const result = validateAciBody(model, body);
  if (result.ok) return [];
  return result.errors.map((e) => `${e.path === '(body)' ? 'body' : `body.${e.path}`}: ${e.message}`);
}

function merge(first: readonly string[], second: readonly string[]): string[] {
  const pathOf = (problem: string) => problem.slice(0, problem.indexOf(': '));
  const seen = new Set(first.map(pathOf));
  return [...first, ...second.filter((p) => !seen.has(pathOf(p)))];
}

function focusedProblems(body: unknown): string[] {
  const p: Problems = [];
  if (!isObj(body)) return ['body: expected a JSON object'];
  str(body, 'location', 'body', p, true);
  checkTags(obj(body, 'tags', 'body', p), p);
  const identity = obj(body, 'identity', 'body', p);
  if (identity) {
    oneOf(
      str(identity, 'type', 'body.identity', p),
      ['SystemAssigned', 'UserAssigned', 'SystemAssigned, UserAssigned', 'None'],
      'body.identity.type',
      p,
    );
    obj(identity, 'userAssignedIdentities', 'body.identity', p);
  }
  const props = obj(body, 'properties', 'body', p, true);
  if (!props) return p;
  const at = 'body.properties';
  str(props, 'osType', at, p, true); // its value is the resource provider's check (rp-checks.ts)
  str(props, 'restartPolicy', at, p);
  str(props, 'sku', at, p);
  const volumes = new Set<string>();
  arr(props, 'volumes', at, p)?.forEach((v, i) => {
    const va = `${at}.volumes[${i}]`;
    if (!isObj(v)) return void p.push(`${va}: expected an object`);
    const name = str(v, 'name', va, p, true);
    if (name !== undefined) volumes.add(name);
    const sources = ['azureFile', 'emptyDir', 'secret', 'gitRepo'].filter((k) => v[k] !== undefined);
    if (sources.length > 1) p.push(`${va}: only one volume source is allowed, got ${sources.join(', ')}`);
    const af = obj(v, 'azureFile', va, p);
    if (af) {
      str(af, 'shareName', `${va}.azureFile`, p, true);
      str(af, 'storageAccountName', `${va}.azureFile`, p, true);
    }
    const secret = obj(v, 'secret', va, p);
    if (secret)
      for (const [k, s] of Object.entries(secret))
        if (typeof s !== 'string') p.push(`${va}.secret.${k}: expected a base64 string`);
  });
  const names = new Set<string>();
  const check = (list: unknown[] | undefined, key: string, init: boolean) =>
    list?.forEach((c, i) => {
      container(c, `${at}.${key}[${i}]`, init, volumes, p);
      const name = isObj(c) ? c.name : undefined;
      if (typeof name === 'string') {
        if (names.has(name))
          p.push(`${at}.${key}[${i}].name: duplicate container name ${JSON.stringify(name)}`);
        names.add(name);
      }
    });
  const containers = arr(props, 'containers', at, p, true);
  if (containers && containers.length === 0) p.push(`${at}.containers: at least one container is required`);
  check(containers, 'containers', false);
  check(arr(props, 'initContainers', at, p), 'initContainers', true);
  arr(props, 'imageRegistryCredentials', at, p)?.forEach((c, i) => {
    const ca = `${at}.imageRegistryCredentials[${i}]`;
    if (!isObj(c)) return void p.push(`${ca}: expected an object`);
    str(c, 'server', ca, p, true);
    str(c, 'username', ca, p);
    str(c, 'password', ca, p);
    str(c, 'identity', ca, p);
  });
  const ip = obj(props, 'ipAddress', at, p);
  if (ip) {
    arr(ip, 'ports', `${at}.ipAddress`, p, true);
    str(ip, 'type', `${at}.ipAddress`, p, true);
  }
  return p;
}

/** Problems with a PATCH body (`{ tags }` only). */
export function validatePatchBody(body: unknown): string[] {
  return merge(schemaProblems('Resource', body), focusedPatchProblems(body));
}

function focusedPatchProblems(body: unknown): string[] {
  const p: Problems = [];
  if (!isObj(body)) return ['body: expected a JSON object'];
  checkTags(obj(body, 'tags', 'body', p), p);
  return p;
}
