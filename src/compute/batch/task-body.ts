import type { BatchServiceModels } from '@azure/batch';
import type { ResolvedStart } from '../aci/group-body';
import { stepEnvironment } from '../aci/group-body';
import { batchTaskId, shortHash } from '../naming';
import type { PoolSpec, StepLaunch } from '../port';
import { BATCH_SECRETS_FILE, BATCH_STEP_SCRIPT, IN_DIR, OUT_DIR } from '../step-script';
import { shellQuote } from '../../pipeline/command';
import { STAGED_LOGS, STAGED_OUTPUTS } from '../../storage/staging-containers';

/**
 * Pure mappings to Batch bodies: the run's job, a task per image and step, and pools made from a spec.
 * Inputs arrive as resourceFiles (read SAS) in `<wd>/in`, outputs leave as outputFiles from `<wd>/out` to
 * `out/` of the attempt's staging container (create+write SAS), stdout.txt/stderr.txt to its `logs/`;
 * `<wd>/in|out` are bind-mounted at /flotilla/in|out.
 */
type TaskAddParameter = BatchServiceModels.TaskAddParameter;
type JobAddParameter = BatchServiceModels.JobAddParameter;
type PoolAddParameter = BatchServiceModels.PoolAddParameter;
type MetadataItem = BatchServiceModels.MetadataItem;

/** Where Batch puts a task's working directory on a Linux node. */
export const BATCH_NODE_ROOT = '/mnt/batch/tasks';
export const taskWorkingDir = (jobId: string, taskId: string): string =>
  `${BATCH_NODE_ROOT}/workitems/${jobId}/job-1/${taskId}/wd`;

export const metadata = (tags: Record<string, string>): MetadataItem[] =>
  Object.entries(tags).map(([name, value]) => ({ name, value }));

/** One job per run. Tasks are still being added when it is made, so it ends only once finishRun says so. */
export function buildJob(jobId: string, poolId: string, tags: Record<string, string>): JobAddParameter {
  return {
    id: jobId,
    poolInfo: { poolId },
    usesTaskDependencies: true,
    onAllTasksComplete: 'noaction',
    onTaskFailure: 'noaction',
    metadata: metadata(tags),
  };
}

/** ISO 8601 duration for Batch constraints, whole seconds. */
export function isoDuration(ms: number): string {
  return `PT${Math.max(1, Math.ceil(ms / 1000))}S`;
}

/** The displayName carries the step's identity, so a task list maps back to steps without a lookup. */
export const taskDisplayName = (
  launch: Pick<StepLaunch, 'imageKey' | 'step' | 'attempt' | 'notify'>,
): string =>
  JSON.stringify([launch.imageKey, launch.step, launch.attempt, ...(launch.notify ? [launch.notify] : [])]);

export function parseDisplayName(
  name: string | undefined,
): { imageKey: string; step: string; attempt: number; notify?: string } | undefined {
  try {
    const [image, step, attempt, notify] = JSON.parse(name ?? '') as unknown[];
    if (typeof image === 'string' && typeof step === 'string' && typeof attempt === 'number')
      return {
        imageKey: image,
        step,
        attempt,
        ...(typeof notify === 'string' && notify !== '' ? { notify } : {}),
      };
  } catch {
    // not ours
  }
  return undefined;
}

export function buildTask(
  launch: StepLaunch,
  resolved: Omit<ResolvedStart, 'callbackUrl' | 'secretEnv'>,
  jobId: string,
  options: { stagingUrl: string; identityId?: string; secretsUrl?: string },
): TaskAddParameter {
  const id = batchTaskId(launch);
  const wd = taskWorkingDir(jobId, id);
  // The Batch node uploads by file pattern (names unknown in advance): into the attempt's own staging
  // container (create+write SAS of it alone), which the app then collects (docs/security.md, "SAS").
  const containerUrl = options.stagingUrl;
  const registry =
    launch.registry && 'identity' in launch.registry
      ? options.identityId
        ? { registryServer: launch.registry.server, identityReference: { resourceId: options.identityId } }
        : undefined
      : launch.registry
        ? {
            registryServer: launch.registry.server,
            userName: launch.registry.username,
            password: resolved.registryPassword ?? '',
          }
        : undefined;
  return {
    id,
    displayName: taskDisplayName(launch),
    commandLine: `/bin/sh -c ${shellQuote(BATCH_STEP_SCRIPT)}`,
    containerSettings: {
      imageName: launch.containerImage,
      // --memory only under retry.onOutOfMemory: then the attempt's memory is its container's limit on the
      // node, as on ACI (docs/pipeline-spec.md, "Retry classes"); otherwise the task may use the node's.
      containerRunOptions: `-v ${wd}/in:${IN_DIR} -v ${wd}/out:${OUT_DIR}${
        launch.limitMemory ? ` --memory ${Math.round(launch.memoryGb * 1024)}m` : ''
      }`,
      workingDirectory: 'taskWorkingDirectory',
      ...(registry ? { registry } : {}),
    },
    environmentSettings: [
      ...stepEnvironment(launch).map((e) => ({ name: e.name, value: e.value ?? '' })),
      { name: 'FLOTILLA_COMMAND', value: launch.command },
    ],
    resourceFiles: [
      ...resolved.inputs.map((input) => ({ httpUrl: input.url, filePath: `in/${input.path}` })),
      ...(options.secretsUrl
        ? [{ httpUrl: options.secretsUrl, filePath: BATCH_SECRETS_FILE, fileMode: '0600' }]
        : []),
    ],
    outputFiles: [
      {
        filePattern: 'out/**/*',
        destination: { container: { containerUrl, path: STAGED_OUTPUTS } },
        uploadOptions: { uploadCondition: 'taskcompletion' },
      },
      {
        filePattern: '../std*.txt',
        destination: { container: { containerUrl, path: STAGED_LOGS } },
        uploadOptions: { uploadCondition: 'taskcompletion' },
      },
    ],
    constraints: {
      maxWallClockTime: isoDuration(launch.timeoutMs),
      maxTaskRetryCount: launch.retries ?? 0,
      retentionTime: 'P1D',
    },
    ...(launch.dependsOn?.length
      ? {
          dependsOn: {
            taskIds: launch.dependsOn.map((d) => batchTaskId({ imageKey: launch.imageKey, ...d })),
          },
        }
      : {}),
    requiredSlots: 1,
  };
}

export const DEFAULT_POOL_IMAGE = {
  publisher: 'microsoft-azure-batch',
  offer: 'ubuntu-server-container',
  sku: '20-04-lts',
  version: 'latest',
} as const;

/** Pool id for a spec: identical specs share one pool. */
export function poolIdFor(spec: PoolSpec): string {
  const canonical = JSON.stringify(spec, Object.keys(spec).sort());
  return `fl-pool-${shortHash(JSON.stringify([canonical, spec.imageReference, spec.prefetchImages]), 16)}`;
}

/** Scales with pending tasks, down to zero nodes when idle; nodes leave only after their task completes. */
export function autoscaleFormula(maxNodes: number, slotsPerNode: number): string {
  return [
    '$samples = $PendingTasks.GetSamplePercent(TimeInterval_Minute * 5);',
    '$tasks = $samples < 70 ? max(0, $PendingTasks.GetSample(1)) : max($PendingTasks.GetSample(1), avg($PendingTasks.GetSample(TimeInterval_Minute * 5)));',
    `$TargetDedicatedNodes = min(${maxNodes}, ceil($tasks / ${slotsPerNode}));`,
    '$NodeDeallocationOption = taskcompletion;',
  ].join(' ');
}

export function buildPool(
  spec: PoolSpec,
  tags: Record<string, string>,
  registry?: BatchServiceModels.ContainerRegistry,
): PoolAddParameter {
  const slots = spec.taskSlotsPerNode ?? 1;
  return {
    id: poolIdFor(spec),
    vmSize: spec.vmSize,
    virtualMachineConfiguration: {
      imageReference: { ...DEFAULT_POOL_IMAGE, ...spec.imageReference },
      nodeAgentSKUId: spec.nodeAgentSkuId ?? 'batch.node.ubuntu 20.04',
      containerConfiguration: {
        ...(spec.prefetchImages?.length ? { containerImageNames: [...spec.prefetchImages] } : {}),
        ...(registry ? { containerRegistries: [registry] } : {}),
      },
    },
    enableAutoScale: true,
    autoScaleFormula: autoscaleFormula(spec.maxNodes, slots),
    autoScaleEvaluationInterval: 'PT5M',
    taskSlotsPerNode: slots,
    metadata: metadata(tags),
  };
}
