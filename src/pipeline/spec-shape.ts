/**
 * The pipeline spec, declared once. `parsePipeline` validates with it and `pipelineJsonSchema()` turns
 * it into `schema/pipeline.schema.json`; descriptions here are what editors show.
 */
import { NAME_LIMITS, RANGES, BUILT_IN_DEFAULTS, INPUT_LIMITS } from './limits';
import { parseSecretRef, SECRET_REF_PATTERN } from './secret-ref';
import { arr, byType, type Infer, named, num, obj, optional, record, required, str } from './shape';
import {
  backend,
  cache,
  cpu,
  duration,
  envKey,
  gpu,
  LOWER_NAME,
  memoryGB,
  pool,
  retries,
  stepId,
  timeout,
  expectedDuration,
} from './spec-fields';
import { retry } from './spec-retry';

const env = record(
  str({
    expected: 'a string',
    maxLength: INPUT_LIMITS.envValueMaxLength,
    description: 'Value of the variable (quote numbers and booleans in YAML).',
  }),
  {
    key: envKey,
    maxEntries: INPUT_LIMITS.envMaxEntries,
    description: 'Environment variables for the step. Values are strings.',
  },
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
    sensitive: true,
    maxEntries: INPUT_LIMITS.envMaxEntries,
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
  expectedDuration: optional(expectedDuration),
  retries: optional(retries),
  retry: optional(retry),
  env: optional(env),
  secrets: optional(secrets),
  cache: optional(cache),
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
    {
      expected: 'a step (an object with id, image and command)',
      description: 'One container step, run once per source image. Unset resources come from defaults.',
    },
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

const budgetShape = obj(
  {
    maxCost: required(
      num({
        above: 0,
        description:
          'The most the run may cost, in `currency`: admission starts no step whose worst case (its timeout at its price) could pass it.',
      }),
    ),
    currency: optional(
      str<string>({
        expected: 'an ISO 4217 currency code',
        description:
          'ISO 4217 code of maxCost (default USD); must be the currency of the prices (FLOTILLA_PRICE_CURRENCY).',
        pattern: '^[A-Z]{3}$',
        help: 'use three upper-case letters, e.g. USD or EUR',
      }),
      'USD',
    ),
  },
  {
    description:
      'A cost cap for each run (docs/pipeline-spec.md, "Budget"); a start request may set its own.',
  },
);

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
          retry: optional(retry),
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
    cache: optional(cache, false),
    budget: optional(budgetShape),
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
  {
    description: 'A flotilla pipeline: container steps run for every image in a blob container.',
    extensions: true,
  },
);

export type RawPipeline = Infer<typeof pipelineShape>;
export type RawStep = Infer<typeof stepShape>;
export type RawFinalize = Infer<typeof finalizeShape>;
