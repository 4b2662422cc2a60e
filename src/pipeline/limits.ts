/**
 * Every number and name list the spec validator checks against, in one place. Azure's limits change
 * by region and over time: edit them here, and the validator, the JSON Schema and the docs follow.
 */

/** Step ids become part of ACI container group names and Batch task ids (both at most 63/64 chars). */
export const NAME_LIMITS = {
  /** ACI container group and container names: 1-63 lowercase letters, digits and hyphens. */
  aciNameMaxLength: 63,
  /**
   * A step id may use at most this many of those 63 characters. The rest (43) is the budget for what
   * the compute adapters add around it: a prefix, run and image hashes and the attempt number,
   * e.g. `fl-<run:12>-<image:12>-<step:20>-a<attempt:2>` = 3+12+1+12+1+20+2+2 = 53.
   */
  stepIdMaxLength: 20,
  /** Pipeline names are used in tags, blob paths and resource names. */
  pipelineNameMaxLength: 40,
  /** Batch pool ids: letters, digits, hyphens and underscores. */
  batchPoolIdMaxLength: 64,
  /** Blob container names (Azure Storage rule). */
  blobContainerMinLength: 3,
  blobContainerMaxLength: 63,
  blobPrefixMaxLength: 512,
  envNameMaxLength: 128,
  appSettingNameMaxLength: 128,
} as const;

/** ACI resource limits per container group for Linux, in most regions (a few regions allow less). */
export const ACI_LIMITS = {
  maxCpu: 4,
  maxMemoryGB: 16,
  /** The date ACI GPU container groups were retired; GPU steps run on Batch. */
  gpuRetiredOn: '2025-07-14',
} as const;

/** Batch limits flotilla enforces on a pool it creates from a pool spec. */
export const BATCH_LIMITS = {
  /** Upper bound for `pool.maxNodes`: a guard against typos that would cost money. */
  maxNodes: 100,
  /** The largest VM sizes have 416 vCPUs and ~11 TB; these guard against unit mistakes (MB for GB). */
  maxCpu: 416,
  maxMemoryGB: 12000,
  /** Container-enabled default image and its node agent, used when a pool spec gives no image. */
  defaultImage: 'microsoft-dsvm:ubuntu-hpc:2204',
  defaultNodeAgentSkuId: 'batch.node.ubuntu 22.04',
} as const;

/** Ranges for the run-level and step-level numbers. */
export const RANGES = {
  concurrency: { min: 1, max: 1000 },
  toleratedFailurePercent: { min: 0, max: 100 },
  retries: { min: 0, max: 10 },
  gpuCount: { min: 1, max: 8 },
  steps: { min: 1, max: 50 },
  /** Per attempt. Durable Functions JS timers cap at 6 days; a day is plenty for one image step. */
  timeoutMaxMs: 24 * 60 * 60 * 1000,
  keepOnFailureMaxMs: 24 * 60 * 60 * 1000,
} as const;

/**
 * Bounds on what a request or a spec may hold (docs/pipeline-spec.md, "Limits"; docs/security.md, "Bad
 * input"). Anything past them is refused with a 4xx naming the limit, before it is parsed further.
 */
export const INPUT_LIMITS = {
  /** A spec's text (YAML or JSON), and an inline spec serialised as JSON. */
  specMaxBytes: 256 * 1024,
  /** Nesting of objects and lists, in a spec and in a JSON request body. */
  maxDepth: 32,
  /** YAML aliases (`*name`) a spec may resolve; guards against "billion laughs" expansion. */
  maxAliases: 100,
  /** One `env` value, in characters. */
  envValueMaxLength: 32 * 1024,
  /** Entries of one `env` or `secrets` map. */
  envMaxEntries: 100,
  /** A JSON request body (POST /api/runs with 100,000 image names fits). */
  requestBodyMaxBytes: 16 * 1024 * 1024,
} as const;

/** What a spec gets when it says nothing (and `defaults:` says nothing either). */
export const BUILT_IN_DEFAULTS = {
  backend: 'aci',
  cpu: 1,
  memoryGB: 2,
  timeout: '30m',
  retries: 2,
  concurrency: 10,
  toleratedFailurePercent: 0,
  keepOnFailure: '0m',
} as const;

/** Environment variable names flotilla sets for every step; the `FLOTILLA_` prefix is reserved. */
export const RESERVED_ENV_PREFIX = 'FLOTILLA_';
export const CONTRACT_ENV = [
  'FLOTILLA_RUN_ID',
  'FLOTILLA_IMAGE',
  'FLOTILLA_STEP',
  'FLOTILLA_CALLBACK_URL',
] as const;

/** Key Vault DNS suffixes per Azure cloud, for `keyvault:` secret references. */
export const KEY_VAULT_DNS_SUFFIXES = [
  'vault.azure.net',
  'vault.azure.cn',
  'vault.usgovcloudapi.net',
  'vault.microsoftazure.de',
] as const;

/** GPU models Batch N-series VM sizes offer today. */
export const GPU_SKUS = ['T4', 'V100', 'A10', 'A100', 'H100'] as const;
export type GpuSku = (typeof GPU_SKUS)[number];

export interface GpuVmSize {
  readonly gpus: number;
  readonly sku: GpuSku;
}

/**
 * Known Batch GPU VM sizes (matched case-insensitively). `gpu.count`/`gpu.sku` are checked against a pool spec's
 * `vmSize` when it is listed here; other sizes of a GPU family (GPU_VM_FAMILIES) are accepted unchecked.
 */
export const GPU_VM_SIZES: Readonly<Record<string, GpuVmSize>> = {
  Standard_NC6s_v3: { gpus: 1, sku: 'V100' },
  Standard_NC12s_v3: { gpus: 2, sku: 'V100' },
  Standard_NC24s_v3: { gpus: 4, sku: 'V100' },
  Standard_NC24rs_v3: { gpus: 4, sku: 'V100' },
  Standard_NC4as_T4_v3: { gpus: 1, sku: 'T4' },
  Standard_NC8as_T4_v3: { gpus: 1, sku: 'T4' },
  Standard_NC16as_T4_v3: { gpus: 1, sku: 'T4' },
  Standard_NC64as_T4_v3: { gpus: 4, sku: 'T4' },
  Standard_NV36ads_A10_v5: { gpus: 1, sku: 'A10' },
  Standard_NV72ads_A10_v5: { gpus: 2, sku: 'A10' },
  Standard_NC24ads_A100_v4: { gpus: 1, sku: 'A100' },
  Standard_NC48ads_A100_v4: { gpus: 2, sku: 'A100' },
  Standard_NC96ads_A100_v4: { gpus: 4, sku: 'A100' },
  Standard_ND96asr_v4: { gpus: 8, sku: 'A100' },
  Standard_ND96amsr_A100_v4: { gpus: 8, sku: 'A100' },
  Standard_NC40ads_H100_v5: { gpus: 1, sku: 'H100' },
  Standard_NC80adis_H100_v5: { gpus: 2, sku: 'H100' },
  Standard_ND96isr_H100_v5: { gpus: 8, sku: 'H100' },
};

const gpuSizesByLowerName = new Map(
  Object.entries(GPU_VM_SIZES).map(([name, size]) => [name.toLowerCase(), size]),
);

/** VM size families with GPUs (N-series), matched on the lowercase size name. */
export const GPU_VM_FAMILIES: readonly RegExp[] = [/^standard_n[cdv]\d/];

/** The GPU facts for a VM size: `known` (listed), `family` (an N-series size not listed), or undefined. */
export function gpuVmSize(
  vmSize: string,
): { kind: 'known'; size: GpuVmSize } | { kind: 'family' } | undefined {
  const key = vmSize.toLowerCase();
  const size = gpuSizesByLowerName.get(key);
  if (size) return { kind: 'known', size };
  return GPU_VM_FAMILIES.some((family) => family.test(key)) ? { kind: 'family' } : undefined;
}
