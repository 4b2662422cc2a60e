/**
 * The pipeline spec, declared once. `parsePipeline` validates with it and `pipelineJsonSchema()` turns
 * it into `schema/pipeline.schema.json`; descriptions here are what editors show.
 */
import { DURATION_PATTERN, formatDuration, parseDuration } from './duration';
import {
  ACI_LIMITS,
  BATCH_LIMITS,
  BUILT_IN_DEFAULTS,
  CONTRACT_ENV,
  GPU_SKUS,
  type GpuSku,
  NAME_LIMITS,
  RANGES,
  RESERVED_ENV_PREFIX,
} from './limits';
import { parseSecretRef, SECRET_REF_PATTERN } from './secret-ref';
import {
  arr,
  byType,
  type Infer,
  named,
  num,
  obj,
  optional,
  quote,
  record,
  required,
  type Shape,
  str,
} from './shape';

const LOWER_NAME = '^[a-z]([a-z0-9-]*[a-z0-9])?$';

export const stepId = str({
  expected: 'a step id',
  description: `A step id: lowercase letters, digits and hyphens, starting with a letter, at most ${NAME_LIMITS.stepIdMaxLength} characters (it becomes part of Azure resource names).`,
  pattern: LOWER_NAME,
  maxLength: NAME_LIMITS.stepIdMaxLength,
  minLength: 1,
  help: 'use lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen (step ids become part of Azure resource names)',
  examples: ['tile'],
});

function duration(description: string, options: { allowZero: boolean; maxMs: number }): Shape<string> {
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

const backend = str<'aci' | 'batch'>({
  expected: 'a backend (aci or batch)',
  description:
    'Where the step runs: `aci` (one ACI container group per step attempt) or `batch` (a task on an Azure Batch pool; required for GPU steps).',
  enum: ['aci', 'batch'],
});

const cpu = num({
  unit: 'vCPU',
  above: 0,
  max: BATCH_LIMITS.maxCpu,
  description: `vCPUs for the step (fractions allowed, e.g. 0.5). ACI allows at most ${ACI_LIMITS.maxCpu} per container group in most regions.`,
});
const memoryGB = num({
  unit: 'GB',
  above: 0,
  max: BATCH_LIMITS.maxMemoryGB,
  description: `Memory in GB (fractions allowed, e.g. 1.5). ACI allows at most ${ACI_LIMITS.maxMemoryGB} GB per container group in most regions.`,
});
const timeout = duration(
  'Wall-clock limit for one attempt of the step; the attempt is stopped when it passes.',
  {
    allowZero: false,
    maxMs: RANGES.timeoutMaxMs,
  },
);
const retries = num({
  integer: true,
  min: RANGES.retries.min,
  max: RANGES.retries.max,
  description: 'How many times a failed attempt is retried (so at most retries + 1 attempts).',
});

const gpu = obj(
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

const pool = byType(
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

const envKey = {
  pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
  help: 'use letters, digits and underscores, not starting with a digit',
  rule: (key: string) =>
    key.length > NAME_LIMITS.envNameMaxLength
      ? `${quote(key)} is longer than ${NAME_LIMITS.envNameMaxLength} characters`
      : key.toUpperCase().startsWith(RESERVED_ENV_PREFIX)
        ? `${key} is reserved: flotilla sets ${RESERVED_ENV_PREFIX}* variables itself (${CONTRACT_ENV.join(', ')})`
        : undefined,
};

const env = record(
  str({
    expected: 'a string',
    description: 'Value of the variable (quote numbers and booleans in YAML).',
  }),
  { key: envKey, description: 'Environment variables for the step. Values are strings.' },
);

const secrets = record(
  str({
    expected: 'a secret reference',
    sensitive: true,
    typeHint: (value) =>
      typeof value === 'number' || typeof value === 'boolean'
        ? 'secrets are given by reference only: setting:<APP_SETTING_NAME> or keyvault:https://<vault>.vault.azure.net/secrets/<name>'
        : undefined,
    schemaPattern: SECRET_REF_PATTERN,
    description:
      'setting:<APP_SETTING_NAME> or keyvault:https://<vault>.vault.azure.net/secrets/<name>[/<version>]',
    rule: (text) => {
      const parsed = parseSecretRef(text);
      return parsed.ok ? undefined : parsed.message;
    },
  }),
  {
    key: envKey,
    description:
      'Secret environment variables, by reference only. Values are resolved when the step starts and passed as secure values.',
  },
);

const command = byType(
  {
    string: str({
      minLength: 1,
      description: 'A shell command line, run with /bin/sh -c.',
      help: 'give a command',
    }),
    array: arr(str({ description: 'An argument.' }), {
      minItems: 1,
      description: 'Exec form: program and arguments.',
    }),
  },
  {
    expected: 'a command (a string or a list of strings)',
    description: 'The command to run: exec form ["prog", "arg"] or a string run under /bin/sh -c.',
    examples: [['node', '/app/tile.js', '/flotilla/in', '/flotilla/out']],
  },
);

const image = str({
  expected: 'a container image reference',
  description: 'Container image, e.g. myregistry.azurecr.io/neo:1.4 (or pinned by @sha256: digest).',
  pattern:
    '^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$',
  help: 'use [registry/]repository[:tag][@sha256:digest] with a lowercase repository, e.g. myregistry.azurecr.io/neo:1.4',
});

const finalizeFields = {
  id: required(stepId),
  image: required(image),
  command: required(command),
  backend: optional(backend),
  cpu: optional(cpu),
  memoryGB: optional(memoryGB),
  gpu: optional(gpu),
  pool: optional(pool),
  timeout: optional(timeout),
  retries: optional(retries),
  env: optional(env),
  secrets: optional(secrets),
};

export const stepShape = named(
  'step',
  obj(
    {
      ...finalizeFields,
      dependsOn: optional(
        arr(stepId, { unique: true, description: 'Steps whose outputs this step reads (per image).' }),
      ),
    },
    { description: 'One container step, run once per source image. Unset resources come from defaults.' },
  ),
);
export const finalizeShape = named(
  'finalize',
  obj(finalizeFields, {
    description:
      'A step run once per run, after every image is done, over the outputs of all successful images.',
    forbidden: { dependsOn: 'finalize runs once after every step of every image; it takes no dependsOn' },
  }),
);

const containerName = str({
  expected: 'a blob container name',
  description:
    'Blob container: 3-63 lowercase letters, digits and hyphens, starting with a letter or digit, no double hyphens.',
  pattern: '^(?=.{3,63}$)[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]$',
  help: 'a container name has 3-63 lowercase letters, digits and hyphens, starts and ends with a letter or digit and has no "--"',
});
const prefix = str({
  description: 'Blob name prefix (a folder), e.g. damage-assessment/. Default: none.',
  maxLength: NAME_LIMITS.blobPrefixMaxLength,
  pattern: '^(?!/)[^\\\\]*$',
  help: 'a blob prefix must not start with "/" or contain backslashes',
});

export const pipelineShape = obj(
  {
    $schema: optional(str({ description: 'The JSON Schema this file follows (for editors).' })),
    name: required(
      str({
        expected: 'a pipeline name',
        description: `Pipeline name: lowercase letters, digits and hyphens, at most ${NAME_LIMITS.pipelineNameMaxLength} characters.`,
        pattern: LOWER_NAME,
        maxLength: NAME_LIMITS.pipelineNameMaxLength,
        minLength: 1,
        help: 'use lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen',
      }),
    ),
    description: optional(str({ description: 'Free text for people.' })),
    inputs: required(
      obj(
        { container: required(containerName), prefix: optional(prefix) },
        { description: 'Where source images live: each blob under container/prefix is one image.' },
      ),
    ),
    outputs: required(
      obj(
        { container: required(containerName), prefix: optional(prefix) },
        { description: 'Where results go: <container>/<prefix><runId>/<image>/<step>/...' },
      ),
    ),
    defaults: optional(
      obj(
        {
          backend: optional(backend, BUILT_IN_DEFAULTS.backend),
          cpu: optional(cpu, BUILT_IN_DEFAULTS.cpu),
          memoryGB: optional(memoryGB, BUILT_IN_DEFAULTS.memoryGB),
          timeout: optional(timeout, BUILT_IN_DEFAULTS.timeout),
          retries: optional(retries, BUILT_IN_DEFAULTS.retries),
          pool: optional(pool),
        },
        { description: 'Values for every step (and finalize) that does not set its own.' },
      ),
    ),
    concurrency: optional(
      num({ integer: true, ...RANGES.concurrency, description: 'Images in flight at once in one run.' }),
      BUILT_IN_DEFAULTS.concurrency,
    ),
    toleratedFailurePercent: optional(
      num({
        ...RANGES.toleratedFailurePercent,
        description: 'The run fails when more than this percentage of images fail.',
      }),
      BUILT_IN_DEFAULTS.toleratedFailurePercent,
    ),
    steps: required(
      arr(stepShape, {
        minItems: RANGES.steps.min,
        maxItems: RANGES.steps.max,
        expected: 'a list of steps',
        description: 'The per-image steps, a DAG by dependsOn.',
      }),
    ),
    finalize: optional(finalizeShape),
    teardown: optional(
      obj(
        {
          keepOnFailure: optional(
            duration('How long containers of a failed step are kept for debugging before they are deleted.', {
              allowZero: true,
              maxMs: RANGES.keepOnFailureMaxMs,
            }),
            BUILT_IN_DEFAULTS.keepOnFailure,
          ),
        },
        { description: 'What happens to compute resources after a step.' },
      ),
    ),
  },
  { description: 'A flotilla pipeline: container steps run for every image in a blob container.' },
);

export type RawPipeline = Infer<typeof pipelineShape>;
export type RawStep = Infer<typeof stepShape>;
export type RawFinalize = Infer<typeof finalizeShape>;
