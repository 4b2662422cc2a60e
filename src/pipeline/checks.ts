/**
 * Rules across fields that the declarative shape cannot express: unique ids, known dependencies,
 * cycles, backend limits, GPU placement, pool specs, env/secret clashes. They read the raw document
 * defensively (it may also have shape errors), so every problem is reported in one pass.
 */
import { findCycles } from './graph';
import { ACI_LIMITS, gpuVmSize, BUILT_IN_DEFAULTS, GPU_VM_SIZES } from './limits';
import { isPlainObject, type Issue, type Path } from './shape';
import { closest } from './suggest';

type Obj = Record<string, unknown>;
interface StepAt {
  readonly step: Obj;
  readonly path: Path;
  readonly id: string | undefined;
}

export function checkSemantics(doc: unknown): Issue[] {
  if (!isPlainObject(doc)) return [];
  const issues: Issue[] = [];
  const defaults = isPlainObject(doc.defaults) ? doc.defaults : {};
  const steps: StepAt[] = (Array.isArray(doc.steps) ? doc.steps : []).flatMap((step: unknown, index) =>
    isPlainObject(step) ? [{ step, path: ['steps', index], id: text(step.id) }] : [],
  );
  const finalize = isPlainObject(doc.finalize)
    ? { step: doc.finalize, path: ['finalize'], id: text(doc.finalize.id) }
    : undefined;
  const all = finalize ? [...steps, finalize] : steps;

  checkUniqueIds(all, issues);
  checkDependencies(steps, finalize, issues);
  const limitSources = new Map<
    string,
    { value: number; steps: string[]; path: Path; what: 'cpu' | 'memoryGB' }
  >();
  for (const at of all) checkPlacement(at, defaults, issues, limitSources);
  for (const source of limitSources.values()) issues.push(aciLimitIssue(source));
  if (defaults.pool !== undefined) checkPoolSpec(defaults.pool, ['defaults', 'pool'], issues);
  return issues;
}

function checkUniqueIds(all: readonly StepAt[], issues: Issue[]): void {
  const firstAt = new Map<string, Path>();
  for (const { id, path } of all) {
    if (id === undefined) continue;
    const first = firstAt.get(id);
    if (first) {
      issues.push({
        path: [...path, 'id'],
        message: `"${id}" is already the id of ${pathText(first)}; step ids must be unique (steps and finalize together)`,
        at: 'value',
      });
    } else firstAt.set(id, path);
  }
}

function checkDependencies(steps: readonly StepAt[], finalize: StepAt | undefined, issues: Issue[]): void {
  const ids = [...new Set(steps.flatMap((s) => (s.id === undefined ? [] : [s.id])))];
  const known = new Set(ids);
  const nodes = steps.flatMap(({ id, step }) =>
    id === undefined
      ? []
      : [
          {
            id,
            dependsOn: Array.isArray(step.dependsOn)
              ? step.dependsOn.filter((d): d is string => typeof d === 'string')
              : [],
          },
        ],
  );
  for (const { step, path, id } of steps) {
    if (!Array.isArray(step.dependsOn)) continue;
    step.dependsOn.forEach((dep: unknown, index) => {
      if (typeof dep !== 'string') return;
      const at: Path = [...path, 'dependsOn', index];
      if (dep === id)
        issues.push({ path: at, message: `a step cannot depend on itself ("${dep}")`, at: 'value' });
      else if (finalize?.id === dep) {
        issues.push({
          path: at,
          message: `"${dep}" is the finalize step, which runs after all steps; a step cannot depend on it`,
          at: 'value',
        });
      } else if (!known.has(dep)) {
        const guess = closest(dep, ids);
        const hint = guess ? `did you mean "${guess}"? ` : '';
        issues.push({
          path: at,
          message: `unknown step "${dep}"; ${hint}steps are: ${ids.join(', ')}`,
          at: 'value',
        });
      }
    });
  }
  for (const cycle of findCycles(nodes)) {
    if (cycle.length === 2) continue; // self-dependency, reported above
    const [first, next] = cycle;
    const at = steps.find((s) => s.id === first);
    const deps = at && Array.isArray(at.step.dependsOn) ? (at.step.dependsOn as unknown[]) : [];
    const index = deps.indexOf(next);
    const path = at ? [...at.path, 'dependsOn', ...(index >= 0 ? [index] : [])] : ['steps'];
    issues.push({
      path,
      message: `dependsOn forms a cycle: ${cycle.join(' -> ')} (-> reads "depends on"); remove one of these dependencies`,
      at: 'value',
    });
  }
}

function checkPlacement(
  { step, path, id }: StepAt,
  defaults: Obj,
  issues: Issue[],
  limitSources: Map<string, { value: number; steps: string[]; path: Path; what: 'cpu' | 'memoryGB' }>,
): void {
  const explicitBackend = step.backend !== undefined;
  const backend = explicitBackend ? step.backend : (defaults.backend ?? BUILT_IN_DEFAULTS.backend);
  const name = id ?? pathText(path);
  if (backend === 'aci') {
    const why = explicitBackend
      ? 'this step has backend: aci'
      : defaults.backend === undefined
        ? 'aci is the default backend'
        : 'defaults.backend is aci';
    if (step.gpu !== undefined) {
      issues.push({
        path: [...path, 'gpu'],
        message: `GPU steps cannot run on ACI (${why}): ACI GPU was retired on ${ACI_LIMITS.gpuRetiredOn}; set backend: batch on this step`,
        at: 'key',
      });
    }
    if (step.pool !== undefined) {
      issues.push({
        path: [...path, 'pool'],
        message: `pool applies to backend: batch only, but ${why}; remove pool or set backend: batch`,
        at: 'key',
      });
    }
    for (const what of ['cpu', 'memoryGB'] as const) {
      const own = typeof step[what] === 'number';
      const value = own ? step[what] : defaults[what];
      const max = what === 'cpu' ? ACI_LIMITS.maxCpu : ACI_LIMITS.maxMemoryGB;
      if (typeof value !== 'number' || value <= max) continue;
      const source: Path = own ? [...path, what] : ['defaults', what];
      const key = source.join('.');
      const entry = limitSources.get(key) ?? { value, steps: [], path: source, what };
      entry.steps.push(name);
      limitSources.set(key, entry);
    }
  } else if (backend === 'batch') {
    if (step.pool !== undefined) checkPoolSpec(step.pool, [...path, 'pool'], issues);
    const pool = step.pool ?? defaults.pool;
    if (isPlainObject(step.gpu) && isPlainObject(pool) && typeof pool.vmSize === 'string') {
      const from = step.pool === undefined ? ' (from defaults.pool)' : '';
      checkGpuFits(step.gpu, pool.vmSize, from, [...path, 'gpu'], issues);
    }
  }
}

function aciLimitIssue(source: {
  value: number;
  steps: string[];
  path: Path;
  what: 'cpu' | 'memoryGB';
}): Issue {
  const [amount, max] =
    source.what === 'cpu'
      ? [`${source.value} vCPU`, ACI_LIMITS.maxCpu]
      : [`${source.value} GB of memory`, `${ACI_LIMITS.maxMemoryGB} GB`];
  const applies =
    source.path[0] === 'defaults'
      ? ` (${pathText(source.path)} applies to ${[...new Set(source.steps)].join(', ')})`
      : '';
  return {
    path: source.path,
    message: `${amount} is more than an ACI container group allows (at most ${max} in most regions); use backend: batch for larger steps${applies}`,
    at: 'value',
  };
}

function checkGpuFits(gpu: Obj, vmSize: string, from: string, path: Path, issues: Issue[]): void {
  const facts = gpuVmSize(vmSize);
  const example = Object.entries(GPU_VM_SIZES).find(([, size]) => size.sku === gpu.sku) ?? [
    'Standard_NC6s_v3',
    { gpus: 1, sku: 'V100' },
  ];
  if (facts === undefined) {
    issues.push({
      path,
      message: `needs a GPU VM size, but the pool's vmSize ${vmSize}${from} has no GPU; use an N-series size such as ${example[0]} (${example[1].gpus} x ${example[1].sku})`,
      at: 'key',
    });
    return;
  }
  if (facts.kind !== 'known') return;
  if (typeof gpu.count === 'number' && gpu.count > facts.size.gpus) {
    issues.push({
      path: [...path, 'count'],
      message: `${gpu.count} GPUs is more than ${vmSize}${from} has (${facts.size.gpus} x ${facts.size.sku})`,
      at: 'value',
    });
  }
  if (typeof gpu.sku === 'string' && gpu.sku !== facts.size.sku) {
    issues.push({
      path: [...path, 'sku'],
      message: `${gpu.sku} does not match the pool's vmSize ${vmSize}${from}, which has ${facts.size.sku} GPUs`,
      at: 'value',
    });
  }
}

function checkPoolSpec(pool: unknown, path: Path, issues: Issue[]): void {
  if (!isPlainObject(pool)) return;
  // Only for a well-formed image (publisher:offer:sku): a malformed one has its own error.
  if (
    typeof pool.image === 'string' &&
    pool.image.split(':').length >= 3 &&
    pool.nodeAgentSkuId === undefined
  ) {
    issues.push({
      path: [...path, 'image'],
      message:
        'a custom image needs nodeAgentSkuId too (the Batch node agent for that image, e.g. "batch.node.ubuntu 22.04")',
      at: 'key',
    });
  }
  if (pool.image === undefined && pool.nodeAgentSkuId !== undefined) {
    issues.push({
      path: [...path, 'nodeAgentSkuId'],
      message: 'nodeAgentSkuId only applies together with image; remove it or give the image',
      at: 'key',
    });
  }
}

export function checkEnvSecretClash(doc: unknown): Issue[] {
  if (!isPlainObject(doc)) return [];
  const issues: Issue[] = [];
  const steps = Array.isArray(doc.steps)
    ? doc.steps.map((step: unknown, i): [unknown, Path] => [step, ['steps', i]])
    : [];
  if (doc.finalize !== undefined) steps.push([doc.finalize, ['finalize']]);
  for (const [step, path] of steps) {
    if (!isPlainObject(step) || !isPlainObject(step.env) || !isPlainObject(step.secrets)) continue;
    for (const name of Object.keys(step.secrets)) {
      if (name in step.env) {
        issues.push({
          path: [...path, 'secrets', name],
          message: `${name} is also set in env; a variable is either plain (env) or secret (secrets), not both`,
          at: 'key',
        });
      }
    }
  }
  return issues;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** `['steps', 1, 'cpu']` -> `steps[1].cpu`; keys that are not identifiers are bracketed. */
export function pathText(path: Path): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
