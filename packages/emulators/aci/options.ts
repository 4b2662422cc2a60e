import type { Clock } from '../common/clock';
import type { SimulatedStep, StepSpec } from '../common/executor';
import type { ContainerExecutor } from '../common/container-executor';
import type { FaultInjector } from '../common/faults';
import type { ArmThrottlingLimits } from './throttling';

/** What a simulated container is told about itself (simulate mode). */
export interface AciStepSpec extends StepSpec {
  readonly group: string;
  readonly container: string;
  readonly image: string;
  /** True for init containers. */
  readonly init: boolean;
}

/** ACI limits and quotas (docs/emulators-aci.md, 'ACI quotas and limits'). */
export interface AciQuotas {
  /** Standard cores per region per subscription (`StandardCores`). */
  readonly coresPerRegion: number;
  /** Standard container groups per region per subscription. */
  readonly groupsPerRegion: number;
  /** Container group creates per subscription in any 5-minute window. */
  readonly createsPer5Min: number;
  /** Container group creates per subscription in any hour. */
  readonly createsPerHour: number;
  /** Container group deletes per subscription in any 5-minute window. */
  readonly deletesPer5Min: number;
  /** Container group deletes per subscription in any hour. */
  readonly deletesPerHour: number;
  readonly maxCpuPerGroup: number;
  readonly maxMemoryPerGroupGB: number;
  readonly maxContainersPerGroup: number;
  readonly maxVolumesPerGroup: number;
}

export const DEFAULT_QUOTAS: AciQuotas = {
  coresPerRegion: 100,
  groupsPerRegion: 100,
  createsPer5Min: 100,
  createsPerHour: 300,
  deletesPer5Min: 100,
  deletesPerHour: 300,
  maxCpuPerGroup: 31,
  maxMemoryPerGroupGB: 240,
  maxContainersPerGroup: 60,
  maxVolumesPerGroup: 20,
};

export interface AciEmulatorOptions {
  /** 0 (default) picks a free port. The server binds 127.0.0.1 only. */
  readonly port?: number;
  /** PEM certificate and key: HTTPS is required (the SDK refuses bearer tokens over HTTP). */
  readonly tls: { readonly cert: string; readonly key: string };
  /** RealClock by default. Provisioning and simulated run times follow it. */
  readonly clock?: Clock;
  /**
   * 'process' runs each container as a local process; 'container' as a real container of its image through
   * `containers` (docs/emulators.md, 'Executor modes'); 'simulate' runs nothing.
   */
  readonly mode: 'process' | 'simulate' | 'container';
  /** Container mode: the executor (one engine, labels, cleanup) shared with the Batch emulator. */
  readonly containers?: ContainerExecutor;
  /** Simulate mode: how long a container runs and how it ends. Default: 1 s, exit 0. */
  readonly simulate?: (spec: AciStepSpec) => SimulatedStep;
  /** Folder for container working folders and volumes (process mode). */
  readonly workRoot: string;
  /** Process mode: image glob -> { container path -> host folder } mapped into every container of that image. */
  readonly imageMounts?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Process mode: variables every container process gets (what the container host provides). */
  readonly processEnv?: Readonly<Record<string, string>>;
  /** Image globs that answer 400 InaccessibleImage (as a missing image or bad credentials would). */
  readonly inaccessibleImages?: readonly string[];
  readonly faults?: FaultInjector;
  /** Resource groups that exist (case-insensitive); others answer 404 ResourceGroupNotFound. Default: any. */
  readonly resourceGroups?: readonly string[];
  readonly quotas?: Partial<AciQuotas>;
  /** Items per list page (default 100). */
  readonly pageSize?: number;
  /** Time from create to containers starting (default 5000 ms; the first 40% is Pending, then Creating). */
  readonly provisioningMs?: number;
  /** Provisioning that takes longer than this fails, as ACI does after 30 minutes. */
  readonly provisioningTimeoutMs?: number;
  /** Back-off before a container is restarted under restartPolicy Always/OnFailure (default 10 s). */
  readonly restartBackoffMs?: number;
  /**
   * ARM subscription throttling (token buckets on the clock, per request kind): `true` for ARM's 2024 limits
   * (reads 250 + 25/s, writes 200 + 10/s, deletes 200 + 10/s), or your own buckets. Off by default.
   */
  readonly armThrottling?: boolean | Partial<ArmThrottlingLimits>;
  /** Accepted token audiences (default: the ARM audiences). */
  readonly auth?: { readonly audiences: readonly string[] };
}

export const ARM_AUDIENCES: readonly string[] = [
  'https://management.azure.com/',
  'https://management.azure.com',
  'https://management.core.windows.net/',
  'https://management.core.windows.net',
];

export const API_VERSION = '2023-05-01';
export const OPERATION_API_VERSION = '2018-06-01';
