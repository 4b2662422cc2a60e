import type {
  ContainerGroup,
  EnvironmentVariable,
  ImageRegistryCredential,
} from '@azure/arm-containerinstance';
import type { StepLaunch } from '../port';
import { ACI_STEP_SCRIPT, EXIT_FILE, FLOTILLA_ROOT, IN_DIR, OUT_DIR, STAGER_MAIN } from '../step-script';

/**
 * Pure mapping from a step launch (with its start-time secrets already resolved) to the ACI container group:
 * init container `stage-in`, the user's `step`, sidecar `stage-out`, an emptyDir at /flotilla in all three,
 * restartPolicy Never. Everything secret travels as `secureValue` (ACI never returns it).
 */
export const VOLUME = 'flotilla';
export const CONTAINERS = { stageIn: 'stage-in', step: 'step', stageOut: 'stage-out' } as const;
/** What the stage-out sidecar asks for, on top of the step's resources. */
export const STAGER_RESOURCES = { cpu: 0.25, memoryInGB: 0.5 } as const;

export interface ResolvedStart {
  /** Read-only SAS URL per input, with its path under /flotilla/in. */
  readonly inputs: readonly { readonly url: string; readonly path: string }[];
  /** Create-only SAS URL of the output container (Batch, and ACI without an upload endpoint). */
  readonly outputUrl?: string;
  /** The app's upload endpoint for this attempt's outputs (ACI: FLOTILLA_UPLOAD_URL of the sidecar). */
  readonly uploadUrl?: string;
  /** Create+write SAS URL of the logs container, when it differs from the output container. */
  readonly logsUrl?: string;
  readonly callbackUrl: string;
  /** Values of `launch.secretEnv`, by variable name. */
  readonly secretEnv: Readonly<Record<string, string>>;
  /** Registry password when `launch.registry` names a password secret. */
  readonly registryPassword?: string;
}

export interface AciGroupSettings {
  readonly location: string;
  readonly stagerImage: string;
  /** User-assigned identity resource id for image pulls (FLOTILLA_ACI_IDENTITY_ID). */
  readonly identityId?: string;
}

const plain = (name: string, value: string): EnvironmentVariable => ({ name, value });
const secure = (name: string, secureValue: string): EnvironmentVariable => ({ name, secureValue });

export function stepEnvironment(launch: StepLaunch): EnvironmentVariable[] {
  return [
    ...Object.entries(launch.env ?? {}).map(([k, v]) => plain(k, v)),
    plain('FLOTILLA_RUN_ID', launch.runId),
    plain('FLOTILLA_IMAGE', launch.imageKey),
    plain('FLOTILLA_STEP', launch.step),
    plain('FLOTILLA_ATTEMPT', String(launch.attempt)),
    plain('FLOTILLA_IN', IN_DIR),
    plain('FLOTILLA_OUT', OUT_DIR),
  ];
}

type Requests = { readonly cpu: number; readonly memoryInGB: number };

/** The resource requests of the group's running containers (the step and its stage-out sidecar). */
export function containerRequests(launch: Pick<StepLaunch, 'cpu' | 'memoryGb'>): {
  readonly step: Requests;
  readonly stageOut: Requests;
} {
  return { step: { cpu: launch.cpu, memoryInGB: launch.memoryGb }, stageOut: { ...STAGER_RESOURCES } };
}

/** vCPUs the whole group requests (what ACI counts against the core quota), from the body's own requests. */
export function groupCores(launch: Pick<StepLaunch, 'cpu' | 'memoryGb'>): number {
  // Summed in hundredths, so 1 + 0.25 stays exact.
  const hundredths = Object.values(containerRequests(launch)).reduce(
    (sum, r) => sum + Math.round(r.cpu * 100),
    0,
  );
  return hundredths / 100;
}

export function buildContainerGroup(
  launch: StepLaunch,
  resolved: ResolvedStart,
  settings: AciGroupSettings,
  tags: Record<string, string>,
): ContainerGroup {
  const mounts = [{ name: VOLUME, mountPath: FLOTILLA_ROOT }];
  const registry: ImageRegistryCredential[] = [];
  if (launch.registry && 'identity' in launch.registry) {
    if (!settings.identityId)
      throw new Error(
        'registry.identity needs FLOTILLA_ACI_IDENTITY_ID (a user-assigned identity resource id)',
      );
    registry.push({ server: launch.registry.server, identity: settings.identityId });
  } else if (launch.registry) {
    registry.push({
      server: launch.registry.server,
      username: launch.registry.username,
      password: resolved.registryPassword ?? '',
    });
  }
  const usesIdentity = registry.some((r) => r.identity);
  const requests = containerRequests(launch);
  return {
    location: settings.location,
    tags,
    ...(usesIdentity && settings.identityId
      ? { identity: { type: 'UserAssigned', userAssignedIdentities: { [settings.identityId]: {} } } }
      : {}),
    osType: 'Linux',
    restartPolicy: 'Never',
    sku: 'Standard',
    volumes: [{ name: VOLUME, emptyDir: {} }],
    ...(registry.length ? { imageRegistryCredentials: registry } : {}),
    initContainers: [
      {
        name: CONTAINERS.stageIn,
        image: settings.stagerImage,
        command: ['node', STAGER_MAIN, 'in'],
        environmentVariables: [
          plain('FLOTILLA_IN_DIR', IN_DIR),
          secure('FLOTILLA_INPUTS', JSON.stringify(resolved.inputs)),
        ],
        volumeMounts: mounts,
      },
    ],
    containers: [
      {
        name: CONTAINERS.step,
        image: launch.containerImage,
        command: ['/bin/sh', '-c', ACI_STEP_SCRIPT],
        environmentVariables: [
          ...stepEnvironment(launch),
          plain('FLOTILLA_COMMAND', launch.command),
          ...Object.entries(resolved.secretEnv).map(([k, v]) => secure(k, v)),
        ],
        resources: { requests: { ...requests.step } },
        volumeMounts: mounts,
      },
      {
        name: CONTAINERS.stageOut,
        image: settings.stagerImage,
        command: ['node', STAGER_MAIN, 'out'],
        environmentVariables: [
          plain('FLOTILLA_OUT_DIR', OUT_DIR),
          plain('FLOTILLA_EXIT_FILE', EXIT_FILE),
          plain('FLOTILLA_OUTPUT_PREFIX', launch.outputs.prefix),
          plain('FLOTILLA_WAIT_TIMEOUT_MS', String(launch.timeoutMs)),
          ...(resolved.uploadUrl
            ? [secure('FLOTILLA_UPLOAD_URL', resolved.uploadUrl)]
            : resolved.outputUrl
              ? [secure('FLOTILLA_OUTPUT_URL', resolved.outputUrl)]
              : []),
          secure('FLOTILLA_CALLBACK_URL', resolved.callbackUrl),
        ],
        resources: { requests: { ...requests.stageOut } },
        volumeMounts: mounts,
      },
    ],
  };
}
