import type { ContainerState } from './group';

type Obj = Record<string, unknown>;
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? (v as unknown[]) : []);

/** The tracked state of each container of a (validated) PUT body: init containers first. */
export function containerStates(body: Obj): ContainerState[] {
  const props = (body.properties ?? {}) as Obj;
  const make = (c: unknown, init: boolean): ContainerState => {
    const def = c as Obj;
    const p = (def.properties ?? {}) as Obj;
    const requests = ((p.resources as Obj | undefined)?.requests ?? {}) as Obj;
    return {
      name: String(def.name),
      image: String(p.image),
      init,
      ...(Array.isArray(p.command) ? { command: p.command.map(String) } : {}),
      cpu: Number(requests.cpu ?? 0),
      memoryInGB: Number(requests.memoryInGB ?? 0),
      restartCount: 0,
    };
  };
  return [
    ...asArray(props.initContainers).map((c) => make(c, true)),
    ...asArray(props.containers).map((c) => make(c, false)),
  ];
}

export function stringTags(tags: unknown): Record<string, string> {
  if (typeof tags !== 'object' || tags === null) return {};
  return Object.fromEntries(Object.entries(tags as Obj).map(([k, v]) => [k, String(v)]));
}

export function restartPolicyOf(body: Obj): string {
  const p = (body.properties ?? {}) as Obj;
  return typeof p.restartPolicy === 'string' ? p.restartPolicy : 'Always';
}
