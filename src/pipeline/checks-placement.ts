/**
 * Where a step runs and whether it fits there: ACI limits, GPU only on Batch, pools only on Batch,
 * GPU counts and models against a pool spec's VM size, custom pool images with their node agent.
 */
import { ACI_LIMITS, BUILT_IN_DEFAULTS, GPU_VM_SIZES, gpuVmSize } from './limits';
import { isPlainObject, type Issue, pathText, type Path } from './shape';

type Obj = Record<string, unknown>;
export interface StepAt {
  readonly step: Obj;
  readonly path: Path;
  readonly id: string | undefined;
}
export type LimitSources = Map<
  string,
  { value: number; steps: string[]; path: Path; what: 'cpu' | 'memoryGB' }
>;

export function checkPlacement(
  { step, path, id }: StepAt,
  defaults: Obj,
  issues: Issue[],
  limitSources: LimitSources,
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

export function aciLimitIssue(source: {
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

export function checkPoolSpec(pool: unknown, path: Path, issues: Issue[]): void {
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
