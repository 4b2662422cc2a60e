import { UNLIMITED_DURATION } from './command-line';
import { iso, type Json, type JobRecord, type PoolRecord, type TaskRecord } from './model';
import { autoScaleState } from './autoscale';
import type { BatchState } from './state';

/** Drops undefined members so the JSON has only what is set, as Batch sends it. */
const compact = (o: Record<string, unknown>): Json => {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
};

/** Dedicated nodes the pool has: resizes are instant, so the target (fixed, or the last evaluation). */
export function poolNodeCount(_state: BatchState, pool: PoolRecord): number {
  return pool.state === 'active' ? pool.targetDedicatedNodes : 0;
}

export function poolToWire(state: BatchState, pool: PoolRecord, baseUrl: string): Json {
  const nodes = poolNodeCount(state, pool);
  return compact({
    ...pool.spec,
    id: pool.id,
    url: `${baseUrl}/pools/${pool.id}`,
    eTag: pool.eTag,
    lastModified: iso(pool.lastModified),
    creationTime: iso(pool.creationTime),
    state: pool.state,
    stateTransitionTime: iso(pool.stateTransitionTime),
    allocationState: 'steady',
    allocationStateTransitionTime: iso(pool.stateTransitionTime),
    resizeTimeout: pool.spec.resizeTimeout ?? 'PT15M',
    currentDedicatedNodes: nodes,
    currentLowPriorityNodes: pool.state === 'active' ? pool.targetLowPriorityNodes : 0,
    targetDedicatedNodes: pool.targetDedicatedNodes,
    targetLowPriorityNodes: pool.targetLowPriorityNodes,
    enableAutoScale: pool.enableAutoScale,
    autoScaleFormula: pool.autoScaleFormula,
    autoScaleEvaluationInterval: pool.enableAutoScale
      ? (pool.autoScaleEvaluationInterval ?? 'PT15M')
      : undefined,
    autoScaleRun: pool.enableAutoScale ? autoScaleState(pool).run : undefined,
    taskSlotsPerNode: pool.taskSlotsPerNode,
    taskSchedulingPolicy: pool.spec.taskSchedulingPolicy ?? { nodeFillType: 'spread' },
    virtualMachineConfiguration: withExactVersion(pool.spec.virtualMachineConfiguration),
    vmSize: typeof pool.spec.vmSize === 'string' ? pool.spec.vmSize.toLowerCase() : pool.spec.vmSize,
    interNodeCommunication: pool.spec.enableInterNodeCommunication === true ? 'enabled' : 'disabled',
    enableInterNodeCommunication: pool.spec.enableInterNodeCommunication ?? false,
    targetNodeCommunicationMode: pool.spec.targetNodeCommunicationMode ?? 'default',
    currentNodeCommunicationMode: 'simplified',
  });
}

/** The version an image reference resolved to; the emulator has one version of every image. */
export const EXACT_IMAGE_VERSION = '1.0.0';

/** `imageReference.exactVersion`: the version given, or for `latest` the emulator's one version. */
function withExactVersion(vmConfig: unknown): unknown {
  const config = vmConfig as
    { imageReference?: { version?: string; virtualMachineImageId?: string } } | undefined;
  const ref = config?.imageReference;
  if (!ref || ref.virtualMachineImageId !== undefined) return vmConfig;
  const version = ref.version ?? 'latest';
  return {
    ...config,
    imageReference: {
      ...ref,
      exactVersion: version.toLowerCase() === 'latest' ? EXACT_IMAGE_VERSION : version,
    },
  };
}

export function jobToWire(job: JobRecord, baseUrl: string): Json {
  const spec = job.spec;
  return compact({
    ...spec,
    id: job.id,
    url: `${baseUrl}/jobs/${job.id}`,
    eTag: job.eTag,
    lastModified: iso(job.lastModified),
    creationTime: iso(job.creationTime),
    state: job.state,
    stateTransitionTime: iso(job.stateTransitionTime),
    previousState: job.previousState,
    previousStateTransitionTime: iso(job.previousStateTransitionTime),
    priority: job.priority,
    maxParallelTasks: spec.maxParallelTasks ?? -1,
    allowTaskPreemption: spec.allowTaskPreemption ?? false,
    usesTaskDependencies: spec.usesTaskDependencies ?? false,
    constraints: { maxWallClockTime: UNLIMITED_DURATION, maxTaskRetryCount: 0, ...job.constraints },
    poolInfo: { poolId: job.poolId },
    onAllTasksComplete: job.onAllTasksComplete,
    onTaskFailure: job.onTaskFailure,
    metadata: job.metadata,
    executionInfo: compact({
      startTime: iso(job.creationTime),
      endTime: iso(job.endTime),
      poolId: job.poolId,
      terminateReason: job.terminateReason,
    }),
  });
}

/** Registry passwords are write-only, as on Batch: never echoed in GET or list answers. */
function withoutPassword(containerSettings: unknown): unknown {
  const settings = containerSettings as { registry?: { password?: string } } | undefined;
  if (!settings?.registry?.password) return containerSettings;
  const { password: _password, ...registry } = settings.registry;
  return { ...settings, registry };
}

export function taskToWire(task: TaskRecord, baseUrl: string): Json {
  const exec = task.exec;
  const constraints = (task.spec.constraints as Json | undefined) ?? {};
  const jobRetries = (task.job.constraints as { maxTaskRetryCount?: number } | undefined)?.maxTaskRetryCount;
  const nodeId = task.nodeId;
  return compact({
    ...task.spec,
    containerSettings: withoutPassword(task.spec.containerSettings),
    id: task.id,
    url: `${baseUrl}/jobs/${task.job.id}/tasks/${task.id}`,
    eTag: task.eTag,
    creationTime: iso(task.creationTime),
    lastModified: iso(task.lastModified),
    state: task.state,
    stateTransitionTime: iso(task.stateTransitionTime),
    previousState: task.previousState,
    previousStateTransitionTime: iso(task.previousStateTransitionTime),
    constraints: {
      maxWallClockTime: UNLIMITED_DURATION,
      retentionTime: 'P7D',
      maxTaskRetryCount: jobRetries ?? 0,
      ...constraints,
    },
    requiredSlots: task.spec.requiredSlots ?? 1,
    // Without userIdentity the task runs as a non-admin auto user unique to the task (REST spec; TaskGet example).
    userIdentity: task.spec.userIdentity ?? { autoUser: { scope: 'task', elevationLevel: 'nonadmin' } },
    executionInfo: compact({
      startTime: iso(exec.startTime),
      endTime: iso(exec.endTime),
      exitCode: exec.exitCode,
      result: exec.result,
      retryCount: exec.retryCount,
      requeueCount: exec.requeueCount,
      lastRetryTime: iso(exec.lastRetryTime),
      lastRequeueTime: iso(exec.lastRequeueTime),
      failureInfo: exec.failureInfo,
      containerInfo:
        task.spec.containerSettings && exec.startTime !== undefined
          ? {
              containerId: `${task.job.id}_${task.id}`,
              state: task.state === 'completed' ? 'exited' : 'running',
              error: '',
            }
          : undefined,
    }),
    nodeInfo: nodeId
      ? {
          affinityId: `TVM:${nodeId}`,
          nodeUrl: `${baseUrl}/pools/${task.job.poolId}/nodes/${nodeId}`,
          poolId: task.job.poolId,
          nodeId,
          taskRootDirectory: `workitems/${task.job.id}/job-1/${task.id}`,
          taskRootDirectoryUrl: `${baseUrl}/pools/${task.job.poolId}/nodes/${nodeId}/files/workitems/${task.job.id}/job-1/${task.id}`,
        }
      : undefined,
  });
}
