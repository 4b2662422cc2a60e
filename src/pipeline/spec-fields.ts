/** The field shapes steps and defaults share: ids, durations, resources, GPU, Batch pools, env names. */
import { DURATION_PATTERN, formatDuration, parseDuration } from './duration';
import {
  ACI_LIMITS,
  BATCH_LIMITS,
  CONTRACT_ENV,
  GPU_SKUS,
  type GpuSku,
  NAME_LIMITS,
  RANGES,
  RESERVED_ENV_PREFIX,
} from './limits';
import { bool, byType, num, obj, optional, quote, required, type Shape, str } from './shape';

export const LOWER_NAME = '^[a-z]([a-z0-9-]*[a-z0-9])?$';

export const stepId = str({
  expected: 'a step id',
  description: `A step id: lowercase letters, digits and hyphens, starting with a letter, at most ${NAME_LIMITS.stepIdMaxLength} characters (it becomes part of Azure resource names).`,
  pattern: LOWER_NAME,
  maxLength: NAME_LIMITS.stepIdMaxLength,
  minLength: 1,
  help: 'use lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen (step ids become part of Azure resource names)',
  examples: ['tile'],
});

export function duration(description: string, options: { allowZero: boolean; maxMs: number }): Shape<string> {
  return str({
    expected: 'a duration such as 90s, 30m or 2h',
    description: `${description} A duration: whole numbers with units d, h, m, s, largest first (90s, 30m, 2h, 1h30m); at most ${formatDuration(options.maxMs)}.`,
    schemaPattern: DURATION_PATTERN,
    typeHint: (value) =>
      typeof value === 'number' ? `add a unit and it reads as a string: ${value}s or ${value}m` : undefined,
    rule: (text) => {
      const parsed = parseDuration(text);
      if (!parsed.ok) return parsed.message;
      if (parsed.ms === 0 && !options.allowZero) return `${quote(text)} is zero; it must be more than 0`;
      if (parsed.ms > options.maxMs)
        return `${quote(text)} is longer than the maximum of ${formatDuration(options.maxMs)}`;
      return undefined;
    },
  });
}

export const backend = str<'aci' | 'batch'>({
  expected: 'a backend (aci or batch)',
  description:
    'Where the step runs: `aci` (one ACI container group per step attempt) or `batch` (a task on an Azure Batch pool; required for GPU steps).',
  enum: ['aci', 'batch'],
});

export const cpu = num({
  unit: 'vCPU',
  above: 0,
  max: BATCH_LIMITS.maxCpu,
  description: `vCPUs for the step (fractions allowed, e.g. 0.5). ACI allows at most ${ACI_LIMITS.maxCpu} per container group in most regions.`,
});
export const memoryGB = num({
  unit: 'GB',
  above: 0,
  max: BATCH_LIMITS.maxMemoryGB,
  description: `Memory in GB (fractions allowed, e.g. 1.5). ACI allows at most ${ACI_LIMITS.maxMemoryGB} GB per container group in most regions.`,
});
export const timeout = duration(
  'Wall-clock limit for one attempt of the step; the attempt is stopped when it passes.',
  {
    allowZero: false,
    maxMs: RANGES.timeoutMaxMs,
  },
);
export const expectedDuration = duration(
  'How long one attempt usually runs: the quote (`flotilla plan`, POST /api/plans) uses it for the low end of the cost range and the quota time. Default: the timeout.',
  { allowZero: false, maxMs: RANGES.timeoutMaxMs },
);
export const retries = num({
  integer: true,
  min: RANGES.retries.min,
  max: RANGES.retries.max,
  description: 'How many times a failed attempt is retried (so at most retries + 1 attempts).',
});

/** The step cache (docs/orchestration.md, 'Step cache'): off unless a spec, step or start request turns it on. */
export const cache = bool({
  expected: 'true or false',
  description:
    'Reuse the outputs of an earlier succeeded run of the step when its inputs, image, command, env, secret references, resources and upstream steps are unchanged (the step is then `cached`: no container, no cost). At the top level: every step; on a step: that step (it wins). Default false.',
});

export const gpu = obj(
  {
    count: required(
      num({
        integer: true,
        min: RANGES.gpuCount.min,
        max: RANGES.gpuCount.max,
        description: 'Number of GPUs the step needs.',
      }),
    ),
    sku: optional(
      str<GpuSku>({
        enum: GPU_SKUS,
        description: "GPU model. Checked against the pool spec's vmSize when that size is known.",
      }),
    ),
  },
  {
    description: `GPUs for the step. Only on backend: batch (ACI GPU was retired on ${ACI_LIMITS.gpuRetiredOn}).`,
  },
);

const poolSpec = obj(
  {
    vmSize: required(
      str({
        description:
          'Azure VM size of the pool nodes, e.g. Standard_D2s_v3; GPU steps need an N-series size such as Standard_NC6s_v3.',
        pattern: '^[Ss][Tt][Aa][Nn][Dd][Aa][Rr][Dd]_[A-Za-z0-9_]+$',
        help: 'use an Azure VM size name such as Standard_D2s_v3 or Standard_NC6s_v3',
      }),
    ),
    maxNodes: required(
      num({
        integer: true,
        min: 1,
        max: BATCH_LIMITS.maxNodes,
        description: 'Most nodes the autoscale formula may allocate; it scales to 0 when idle.',
      }),
    ),
    image: optional(
      str({
        description: `Container-enabled VM image as publisher:offer:sku[:version]. Default ${BATCH_LIMITS.defaultImage}.`,
        pattern: '^[^:\\s]+:[^:\\s]+:[^:\\s]+(:[^:\\s]+)?$',
        help: 'use publisher:offer:sku or publisher:offer:sku:version, e.g. microsoft-dsvm:ubuntu-hpc:2204',
      }),
    ),
    nodeAgentSkuId: optional(
      str({
        minLength: 1,
        description: `Batch node agent SKU matching the image, e.g. "${BATCH_LIMITS.defaultNodeAgentSkuId}". Required with image.`,
      }),
    ),
  },
  { description: 'A pool flotilla creates (and scales to zero when idle) for this pipeline.' },
);

export const pool = byType(
  {
    string: str({
      expected: 'a pool id',
      description: 'The id of an existing Batch pool.',
      pattern: '^[A-Za-z0-9_-]+$',
      maxLength: NAME_LIMITS.batchPoolIdMaxLength,
      minLength: 1,
      help: `a Batch pool id has letters, digits, hyphens and underscores (at most ${NAME_LIMITS.batchPoolIdMaxLength})`,
    }),
    object: poolSpec,
  },
  {
    expected: 'a pool id or a pool spec { vmSize, maxNodes, image? }',
    description:
      'Batch steps only: an existing pool by id, or a pool spec flotilla creates. Default: defaults.pool, else the app setting FLOTILLA_BATCH_POOL_ID.',
  },
);

export const envKey = {
  pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
  help: 'use letters, digits and underscores, not starting with a digit',
  rule: (key: string) =>
    key.length > NAME_LIMITS.envNameMaxLength
      ? `${quote(key)} is longer than ${NAME_LIMITS.envNameMaxLength} characters`
      : key.toUpperCase().startsWith(RESERVED_ENV_PREFIX)
        ? `${key} is reserved: flotilla sets ${RESERVED_ENV_PREFIX}* variables itself (${CONTRACT_ENV.join(', ')})`
        : undefined,
};
