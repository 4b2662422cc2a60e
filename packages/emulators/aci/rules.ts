import { ArmError, inaccessibleImage, quotaReached } from './errors';
import { globMatch } from '../common/glob';
import type { AciQuotas } from './options';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? (v as unknown[]) : []);

export interface GroupShape {
  readonly cores: number;
  readonly memoryInGB: number;
  readonly images: readonly string[];
}

/** Cores, memory and images of a (validated) PUT body. */
export function groupShape(body: Obj): GroupShape {
  const props = (body.properties ?? {}) as Obj;
  let cores = 0;
  let memoryInGB = 0;
  const images: string[] = [];
  for (const c of [...asArray(props.initContainers), ...asArray(props.containers)]) {
    const p = ((c as Obj).properties ?? {}) as Obj;
    if (typeof p.image === 'string') images.push(p.image);
    const requests = isObj(p.resources) && isObj(p.resources.requests) ? p.resources.requests : undefined;
    if (requests) {
      cores += Number(requests.cpu ?? 0);
      memoryInGB += Number(requests.memoryInGB ?? 0);
    }
  }
  return { cores, memoryInGB, images };
}

/**
 * ACI rules beyond the schema (docs/emulators-aci.md, 'Rules beyond the schema'): per-group size limits, GPU
 * (retired), registry identities that must be user-assigned identities of the group, and images configured as
 * inaccessible.
 */
export function checkGroupRules(
  name: string,
  body: Obj,
  quotas: AciQuotas,
  inaccessibleImages: readonly string[],
  missingImage?: (image: string) => boolean,
): void {
  const props = (body.properties ?? {}) as Obj;
  const location = String(body.location);
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63)
    throw new ArmError(
      400,
      'ContainerGroupNameInvalid',
      `The container group name '${name}' is invalid. The name must be 1 to 63 characters long, contain only lowercase letters, numbers and '-', and not start or end with '-'.`,
    );
  const containers = asArray(props.containers);
  if (containers.length + asArray(props.initContainers).length > quotas.maxContainersPerGroup)
    throw new ArmError(
      400,
      'ContainerGroupContainerCountExceeded',
      `The container group '${name}' has more than the maximum of ${quotas.maxContainersPerGroup} containers.`,
    );
  if (asArray(props.volumes).length > quotas.maxVolumesPerGroup)
    throw new ArmError(
      400,
      'ContainerGroupVolumeCountExceeded',
      `The container group '${name}' has more than the maximum of ${quotas.maxVolumesPerGroup} volumes.`,
    );
  for (const c of containers) {
    const p = ((c as Obj).properties ?? {}) as Obj;
    const res = isObj(p.resources) ? p.resources : {};
    for (const part of [res.requests, res.limits]) {
      if (isObj(part) && isObj(part.gpu)) {
        const sku = String(part.gpu.sku);
        throw quotaReached(`${sku}Cores`, location, 0, 0, Number(part.gpu.count ?? 1));
      }
    }
  }
  const shape = groupShape(body);
  if (shape.cores > quotas.maxCpuPerGroup || shape.memoryInGB > quotas.maxMemoryPerGroupGB)
    throw new ArmError(
      400,
      'InvalidContainerGroupResourceRequest',
      `The container group '${name}' requests '${shape.cores}' CPU and '${shape.memoryInGB}' GB memory; the maximum per container group is '${quotas.maxCpuPerGroup}' CPU and '${quotas.maxMemoryPerGroupGB}' GB memory.`,
    );
  const userIdentities =
    isObj(body.identity) && isObj(body.identity.userAssignedIdentities)
      ? Object.keys(body.identity.userAssignedIdentities).map((k) => k.toLowerCase())
      : [];
  for (const cred of asArray(props.imageRegistryCredentials)) {
    if (!isObj(cred) || typeof cred.identity !== 'string') continue;
    if (!userIdentities.includes(cred.identity.toLowerCase())) {
      const image = shape.images.find((i) => i.startsWith(String(cred.server))) ?? String(cred.server);
      throw inaccessibleImage(image, name);
    }
  }
  const bad = shape.images.find(
    (image) => inaccessibleImages.some((glob) => globMatch(glob, image)) || missingImage?.(image) === true,
  );
  if (bad !== undefined) throw inaccessibleImage(bad, name);
}
