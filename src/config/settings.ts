import { z } from 'zod';

/**
 * Every setting flotilla reads, in one place. `loadConfig` is the only reader of `process.env`.
 * Each entry documents itself: `description` feeds the README table and `local.settings.sample.json`
 * (a test keeps the three in sync), `sample` is the value a local developer starts from.
 */
export interface SettingDoc {
  readonly description: string;
  readonly sample: string;
  readonly secret?: boolean;
}

const url = z.url({ protocol: /^https?$/, error: 'expected an absolute http(s) URL' });
const positiveInt = z.coerce
  .number({ error: 'expected a whole number' })
  .int({ error: 'expected a whole number' })
  .positive({ error: 'expected a number greater than 0' });
const nonNegativeNumber = z.coerce
  .number({ error: 'expected a number' })
  .nonnegative({ error: 'expected a number >= 0' });
const name = (what: string) =>
  z
    .string({ error: `expected ${what}` })
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,89}$/, { error: `expected ${what} (letters, digits, . _ -)` });

/** A comma-separated list (spaces allowed), empty when unset. */
const nameList = (pattern: RegExp, what: string) =>
  z
    .string()
    .default('')
    .transform((text) =>
      text
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    )
    .refine((names) => names.every((n) => pattern.test(n)), {
      error: `expected a comma-separated list of ${what}`,
    });

/**
 * Steps may resolve `setting:NAME` only for app settings meant for them: names starting with
 * STEP_SECRET_PREFIX, plus those listed in FLOTILLA_STEP_SECRET_SETTINGS. Names of the app and its platform
 * (these prefixes) are never resolvable, listed or not.
 */
export const STEP_SECRET_PREFIX = 'STEP_SECRET_';
export const RESERVED_SETTING_PREFIXES = [
  'FLOTILLA_',
  'AzureWebJobs',
  'AZURE_',
  'IDENTITY_',
  'MSI_',
  'WEBSITE_',
  'FUNCTIONS_',
  'APPSETTING_',
  'APPLICATIONINSIGHTS_',
] as const;
export const isReservedSettingName = (name: string): boolean =>
  RESERVED_SETTING_PREFIXES.some((p) => name.toUpperCase().startsWith(p.toUpperCase()));

export const settingsSchema = z.object({
  FLOTILLA_TASK_HUB: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9]{2,44}$/, {
      error: 'expected 3-45 letters or digits, starting with a letter',
    })
    .default('flotilla'),
  FLOTILLA_STORAGE_BLOB_URL: url,
  FLOTILLA_SUBSCRIPTION_ID: z.string().min(1, { error: 'expected the Azure subscription id' }),
  FLOTILLA_RESOURCE_GROUP: name('a resource group name'),
  FLOTILLA_LOCATION: name('an Azure region, e.g. westeurope'),
  FLOTILLA_ARM_ENDPOINT: url.default('https://management.azure.com'),
  FLOTILLA_BATCH_URL: url.optional(),
  FLOTILLA_BATCH_POOL_ID: name('a Batch pool id').optional(),
  FLOTILLA_ACI_IDENTITY_ID: z.string().optional(),
  FLOTILLA_CALLBACK_BASE_URL: url,
  FLOTILLA_CALLBACK_SECRET: z
    .string({ error: 'expected a secret of at least 32 characters' })
    .min(32, { error: 'expected a secret of at least 32 characters' }),
  FLOTILLA_STAGER_IMAGE: z
    .string({ error: 'expected the stager image reference, e.g. <registry>/flotilla-stager:<tag>' })
    .min(1, { error: 'expected the stager image reference, e.g. <registry>/flotilla-stager:<tag>' }),
  FLOTILLA_PIPELINES_CONTAINER: name('a blob container name').default('pipelines'),
  FLOTILLA_IMAGES_CONTAINER: name('a blob container name').default('images'),
  FLOTILLA_ACI_CREATES_PER_5_MIN: positiveInt.default(100),
  FLOTILLA_ACI_CREATES_PER_HOUR: positiveInt.default(300),
  FLOTILLA_ACI_CORE_QUOTA: positiveInt.default(100),
  FLOTILLA_ACI_GROUP_QUOTA: positiveInt.default(100),
  FLOTILLA_ACI_DELETES_PER_5_MIN: positiveInt.default(100),
  FLOTILLA_ACI_DELETES_PER_HOUR: positiveInt.default(300),
  FLOTILLA_BATCH_ACTIVE_JOB_QUOTA: positiveInt.default(100),
  FLOTILLA_ADMISSION_TIMEOUT_MS: positiveInt.default(6 * 3600_000),
  FLOTILLA_TEARDOWN_WAIT_MS: positiveInt.default(10 * 60_000),
  FLOTILLA_DEPLOYMENT_ID: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, {
      error: 'expected 1-63 lowercase letters, digits or hyphens, starting with a letter or digit',
    })
    .optional(),
  FLOTILLA_SDK_TIMEOUT_MS: positiveInt.default(30000),
  FLOTILLA_API_STORAGE_TIMEOUT_MS: positiveInt.default(2000),
  FLOTILLA_SWEEP_SCHEDULE: z.string().min(1).default('0 */5 * * * *'),
  FLOTILLA_PRICE_ACI_VCPU_SECOND: nonNegativeNumber.default(0.0000113),
  FLOTILLA_PRICE_ACI_GB_SECOND: nonNegativeNumber.default(0.0000012),
  FLOTILLA_PRICE_BATCH_NODE_HOUR: nonNegativeNumber.default(0.9),
  FLOTILLA_PRICE_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, { error: 'expected an ISO 4217 currency code: three upper-case letters, e.g. USD' })
    .default('USD'),
  FLOTILLA_LOG_LEVEL: z
    .enum(['debug', 'info', 'warn', 'error'], { error: 'expected debug, info, warn or error' })
    .default('info'),
  APPLICATIONINSIGHTS_CONNECTION_STRING: z
    .string()
    .regex(/(^|;)\s*InstrumentationKey=[^;]+/i, {
      error:
        'expected an Application Insights connection string (InstrumentationKey=...;IngestionEndpoint=...)',
    })
    .optional(),
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: z
    .string()
    .regex(/(^|;)\s*Authorization=AAD\s*(;|$)/i, {
      error: 'expected Authorization=AAD, optionally with ClientId=<client id of a user-assigned identity>',
    })
    .optional(),
  FLOTILLA_STEP_SECRET_SETTINGS: nameList(
    /^[A-Za-z_][A-Za-z0-9_]{0,127}$/,
    'app setting names (letters, digits, underscores)',
  ).refine((names) => names.every((n) => !isReservedSettingName(n)), {
    error: `expected setting names meant for steps: names starting with ${RESERVED_SETTING_PREFIXES.join(', ')} belong to the app and its platform`,
  }),
  FLOTILLA_KEY_VAULT_HOSTS: nameList(
    /^[a-z0-9-]{3,24}\.vault\.(azure\.net|azure\.cn|usgovcloudapi\.net)$/,
    'Key Vault host names such as myvault.vault.azure.net',
  ),
});

export type Settings = z.infer<typeof settingsSchema>;
export type SettingName = keyof Settings;

export const settingDocs: Record<SettingName, SettingDoc> = {
  FLOTILLA_TASK_HUB: {
    description: 'Durable Functions task hub name (host.json reads it). 3-45 letters or digits.',
    sample: 'flotilla',
  },
  FLOTILLA_STORAGE_BLOB_URL: {
    description:
      'Blob service URL for pipeline inputs, outputs, logs and manifests (reached with the managed identity).',
    sample: 'https://127.0.0.1:10000/devstoreaccount1',
  },
  FLOTILLA_SUBSCRIPTION_ID: {
    description: 'Subscription that holds the ACI container groups.',
    sample: '00000000-0000-0000-0000-000000000000',
  },
  FLOTILLA_RESOURCE_GROUP: { description: 'Resource group for ACI container groups.', sample: 'flotilla-rg' },
  FLOTILLA_LOCATION: { description: 'Azure region for ACI container groups.', sample: 'westeurope' },
  FLOTILLA_ARM_ENDPOINT: {
    description: 'Azure Resource Manager endpoint (the ACI emulator locally).',
    sample: 'https://management.azure.com',
  },
  FLOTILLA_BATCH_URL: {
    description:
      'Batch account URL, e.g. https://<account>.<region>.batch.azure.com. Required for `batch` steps.',
    sample: 'https://flotilla.westeurope.batch.azure.com',
  },
  FLOTILLA_BATCH_POOL_ID: {
    description: 'Default Batch pool for `batch` steps that name no pool of their own.',
    sample: 'flotilla-gpu',
  },
  FLOTILLA_ACI_IDENTITY_ID: {
    description: 'Resource id of the user-assigned identity ACI uses to pull images from ACR (optional).',
    sample: '',
  },
  FLOTILLA_CALLBACK_BASE_URL: {
    description: 'Public base URL of this function app; containers call back to <base>/api/callbacks/...',
    sample: 'http://127.0.0.1:7071',
  },
  FLOTILLA_CALLBACK_SECRET: {
    description:
      'HMAC key that signs container callback tokens (a Key Vault reference in Azure). At least 32 characters.',
    sample: 'replace-me-with-at-least-32-random-characters',
    secret: true,
  },
  FLOTILLA_STAGER_IMAGE: {
    description:
      "Image of the stager that downloads inputs and uploads outputs beside a step on ACI. No default: `azd up` sets it to the image it publishes to the deployment's registry (docs/deploy.md); the embedded stack sets its local build.",
    sample: 'flotilla-local/stager:dev',
  },
  FLOTILLA_PIPELINES_CONTAINER: {
    description: 'Blob container where `PUT /api/pipelines/{name}` stores specs.',
    sample: 'pipelines',
  },
  FLOTILLA_IMAGES_CONTAINER: {
    description:
      'Blob container watched by the Event Grid blob trigger: a new blob at <container>/<pipeline>/<path> starts a run of that pipeline for that image.',
    sample: 'images',
  },
  FLOTILLA_ACI_CREATES_PER_5_MIN: {
    description: 'Admission limit: ACI container group creates per 5 minutes.',
    sample: '100',
  },
  FLOTILLA_ACI_CREATES_PER_HOUR: {
    description: 'Admission limit: ACI container group creates per hour.',
    sample: '300',
  },
  FLOTILLA_ACI_CORE_QUOTA: {
    description: 'Admission limit: ACI vCPUs in use at once in the region.',
    sample: '100',
  },
  FLOTILLA_ACI_GROUP_QUOTA: {
    description: 'Admission limit: ACI container groups alive at once in the region.',
    sample: '100',
  },
  FLOTILLA_ACI_DELETES_PER_5_MIN: {
    description:
      'Admission limit: ACI container group deletes per 5 minutes (steps and the sweeper share it; ACI answers 429 past it).',
    sample: '100',
  },
  FLOTILLA_ACI_DELETES_PER_HOUR: {
    description: 'Admission limit: ACI container group deletes per hour (steps and the sweeper share it).',
    sample: '300',
  },
  FLOTILLA_BATCH_ACTIVE_JOB_QUOTA: {
    description: 'Admission limit: active Batch jobs in the account.',
    sample: '100',
  },
  FLOTILLA_ADMISSION_TIMEOUT_MS: {
    description:
      'A step that has waited this long for admission (quotas, create limits) fails with `admission-timeout`, in milliseconds (default 6 hours).',
    sample: '21600000',
  },
  FLOTILLA_TEARDOWN_WAIT_MS: {
    description:
      "How long a finished step waits for a throttled delete of its container group before handing the delete to the sweeper (the step's result stands either way), in milliseconds.",
    sample: '600000',
  },
  FLOTILLA_DEPLOYMENT_ID: {
    description:
      'Tags every resource this deployment makes; its sweeper deletes only resources with its own id. Default: derived from FLOTILLA_TASK_HUB and the storage account, so two deployments in one resource group need no setting.',
    sample: '',
  },
  FLOTILLA_SDK_TIMEOUT_MS: {
    description: 'Timeout for every Azure SDK call, in milliseconds.',
    sample: '30000',
  },
  FLOTILLA_API_STORAGE_TIMEOUT_MS: {
    description:
      'Per-attempt deadline of storage calls made while answering an HTTP request (2 attempts, no SDK retries): storage down answers 503 within about twice this.',
    sample: '2000',
  },
  FLOTILLA_SWEEP_SCHEDULE: {
    description: 'NCRONTAB schedule of the orphan sweeper (6 fields).',
    sample: '0 */5 * * * *',
  },
  FLOTILLA_PRICE_ACI_VCPU_SECOND: {
    description: 'Cost estimate: price of one ACI vCPU-second.',
    sample: '0.0000113',
  },
  FLOTILLA_PRICE_ACI_GB_SECOND: {
    description: 'Cost estimate: price of one ACI GB-second of memory.',
    sample: '0.0000012',
  },
  FLOTILLA_PRICE_BATCH_NODE_HOUR: {
    description: 'Cost estimate: price of one Batch node hour.',
    sample: '0.9',
  },
  FLOTILLA_PRICE_CURRENCY: {
    description:
      'ISO 4217 code of the prices above; every cost (status, manifest, quote, CLI, UI) is in it, and a budget must be given in it.',
    sample: 'USD',
  },
  FLOTILLA_LOG_LEVEL: {
    description:
      'Lowest level of the JSON log lines the app writes (and exports): debug, info, warn or error. See docs/telemetry.md.',
    sample: 'info',
  },
  APPLICATIONINSIGHTS_CONNECTION_STRING: {
    description:
      'Application Insights connection string: when set, traces and logs are exported there with OpenTelemetry (docs/telemetry.md); unset, nothing is exported. azd sets it.',
    sample: '',
    secret: true,
  },
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: {
    description:
      '`ClientId=<id>;Authorization=AAD`: the exporter authenticates with that managed identity (Entra ID), as Application Insights with local auth disabled requires. azd sets it.',
    sample: '',
  },
  FLOTILLA_STEP_SECRET_SETTINGS: {
    description:
      'Comma-separated app settings a step may read with `secrets: { X: setting:NAME }`, besides any named STEP_SECRET_*. Names of the app and its platform (FLOTILLA_, AzureWebJobs, AZURE_, IDENTITY_, MSI_, WEBSITE_, FUNCTIONS_ ...) are refused. See docs/security.md.',
    sample: '',
  },
  FLOTILLA_KEY_VAULT_HOSTS: {
    description:
      'Comma-separated Key Vault hosts (e.g. myvault.vault.azure.net) that `keyvault:` secret references may name; empty: no Key Vault references. See docs/security.md.',
    sample: '',
  },
};
