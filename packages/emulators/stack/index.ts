import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type AciEmulator, type AciEmulatorOptions, startAciEmulator } from '../aci';
import { type BatchEmulator, type BatchEmulatorOptions, startBatchEmulator } from '../batch';
import { type Clock, RealClock } from '../common/clock';
import { ContainerExecutor, removeLeftovers } from '../common/container-executor';
import { INSTALL_HINT, type LocalEngine, resolveLocalEngine } from '../common/engine';
import { type FaultFile, FaultInjector, loadFaultFile, parseFaultFile } from '../common/faults';
import { type IdentityEndpoint, startIdentityEndpoint } from '../identity';
import { type Azurite, startAzurite } from './azurite';
import { killGroup } from '../common/child-guard';
import { stackSettings, type StackSettings } from './settings';
import { type DevCertificate, ensureDevCertificate } from './tls';

export { formatSettings, type StackSettings } from './settings';
export { appEnvironment, type AppEnvironmentOptions, freePort } from './app-env';

/**
 * The embedded stack: everything an app needs to run against "Azure" on one machine, over loopback only.
 * Azurite (HTTPS + OAuth), the managed-identity endpoint, the ACI (ARM) emulator and the Batch emulator, one
 * self-signed certificate for all of them, one clock and one set of fault rules.
 */
export interface StackOptions {
  /** Certificate, Azurite data and emulator work folders live here (kept across runs). */
  readonly stateDir: string;
  /**
   * How steps run (docs/emulators.md, 'Executor modes'): `process` as local processes; `container` as real
   * containers of their images in docker or podman (FLOTILLA_LOCAL_ENGINE picks which; it must work);
   * `auto` as FLOTILLA_LOCAL_ENGINE says (default: docker, then podman, then processes); `simulate` runs
   * nothing and ends steps after a set time.
   */
  readonly mode: 'process' | 'simulate' | 'container' | 'auto';
  /** Container mode: an engine already detected (skips detection), e.g. from `resolveLocalEngine`. */
  readonly engine?: LocalEngine;
  /**
   * Fault rules: a parsed file, a path to a JSON file, or an injector to share. Default: the file named by
   * FLOTILLA_EMULATOR_FAULTS (in `env`), else none.
   */
  readonly faults?: FaultFile | string | FaultInjector;
  /** Fixed ports (0 or absent: a free port). `portBase` n gives azurite n, aci n+1, batch n+2, identity n+3. */
  readonly ports?: {
    readonly azurite?: number;
    readonly aci?: number;
    readonly batch?: number;
    readonly identity?: number;
  };
  readonly portBase?: number;
  /** Clock of the compute emulators (RealClock by default). Azurite and tokens follow the wall clock. */
  readonly clock?: Clock;
  readonly subscriptionId?: string;
  readonly resourceGroup?: string;
  readonly location?: string;
  /** Extra ACI emulator options (quotas, provisioning time, simulate plan, ...). */
  readonly aci?: Partial<Omit<AciEmulatorOptions, 'tls' | 'mode' | 'clock' | 'faults' | 'port'>>;
  /** Extra Batch emulator options (pools, quotas, simulate plan, ...). Default: one container pool `flotilla`. */
  readonly batch?: Partial<Omit<BatchEmulatorOptions, 'mode' | 'clock' | 'faults' | 'port'>>;
  /**
   * Image name that stands for this repository's stager build (`dist/src/stager` mounted at `/opt/flotilla`
   * in ACI containers of that image); printed as FLOTILLA_STAGER_IMAGE. Default `LOCAL_STAGER_IMAGE`.
   */
  readonly stagerImage?: string;
  /**
   * Folder with the compiled stager program (`main.js`) that stands in for the stager image. Default: the
   * `dist/src/stager` of the nearest folder above this package that holds a `host.json` (the app it serves).
   */
  readonly stagerDir?: string;
  /** Environment to read FLOTILLA_EMULATOR_FAULTS from (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Azurite acknowledges a write only once its metadata is on disk (default true; docs/emulators.md, "What
   * survives a kill"). False leaves Azurite's own 5-second autosave: for benchmarks of the orchestration only.
   */
  readonly azuriteWriteThrough?: boolean;
}

export interface Stack {
  /** Environment variables that point an app at the stack (see settings.ts). */
  readonly settings: StackSettings;
  readonly azurite: Azurite;
  readonly aci: AciEmulator;
  readonly batch: BatchEmulator;
  readonly identity: IdentityEndpoint;
  readonly certificate: DevCertificate;
  readonly faults: FaultInjector;
  readonly clock: Clock;
  /** How steps run: the mode resolved, and for containers the engine and the label value of this stack. */
  readonly execution: Execution;
  /** Stops every part (in reverse start order); safe to call more than once. */
  stop(): Promise<void>;
}

export type Execution =
  | { readonly mode: 'container'; readonly engine: 'podman' | 'docker'; readonly stackId: string }
  | { readonly mode: 'process'; readonly reason?: string }
  | { readonly mode: 'simulate' };

export const STACK_DEFAULTS = {
  subscriptionId: '00000000-0000-4000-8000-000000000001',
  resourceGroup: 'flotilla-local',
  location: 'westeurope',
  batchAccount: 'flotilla',
} as const;

/** The image name the stack maps to this repository's stager build. */
export const LOCAL_STAGER_IMAGE = 'flotilla-local/stager:dev';

/** The stager build of the Functions app this stack serves: the nearest folder above with a `host.json`. */
function defaultStagerDir(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'host.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'src', 'stager');
}

/** The Batch pool the stack creates unless `batch.pools` is given: Linux, container-enabled, 4 slots a node. */
export const DEFAULT_POOL = {
  id: 'flotilla',
  vmSize: 'standard_d2s_v3',
  virtualMachineConfiguration: {
    imageReference: {
      publisher: 'microsoft-azure-batch',
      offer: 'ubuntu-server-container',
      sku: '20-04-lts',
      version: 'latest',
    },
    nodeAgentSKUId: 'batch.node.ubuntu 20.04',
    containerConfiguration: { type: 'dockerCompatible' },
  },
  targetDedicatedNodes: 2,
  taskSlotsPerNode: 4,
} as const;

export async function startStack(options: StackOptions): Promise<Stack> {
  const stateDir = resolve(options.stateDir);
  mkdirSync(stateDir, { recursive: true });
  const { faults, faultFile } = resolveFaults(options);
  const clock = options.clock ?? new RealClock();
  const port = (name: 'azurite' | 'aci' | 'batch' | 'identity', offset: number) =>
    options.ports?.[name] ?? (options.portBase !== undefined ? options.portBase + offset : 0);

  const certificate = await ensureDevCertificate(join(stateDir, 'tls'));
  const stagerImage = options.stagerImage ?? LOCAL_STAGER_IMAGE;
  const { execution, containers } = executionFor(options, stagerImage, clock, certificate.certFile);
  const mode = execution.mode;
  const stoppers: (() => Promise<void>)[] = [];
  const killOnExit: number[] = [];
  if (containers) stoppers.push(() => Promise.resolve(containers.removeAll()));
  const onExit = () => {
    containers?.removeAll();
    for (const pid of killOnExit) killGroup(pid);
  };
  process.once('exit', onExit);
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      for (const stopOne of stoppers.reverse()) await stopOne().catch(() => undefined);
      process.off('exit', onExit);
    })());

  try {
    const [azurite, identity] = await Promise.all([
      startAzurite({
        location: join(stateDir, 'azurite'),
        port: port('azurite', 0),
        tls: certificate,
        oauth: true,
        writeThrough: options.azuriteWriteThrough ?? true,
      }).then((a) => {
        stoppers.push(() => a.stop());
        if (a.pid !== undefined) killOnExit.push(a.pid);
        return a;
      }),
      startIdentityEndpoint({ port: port('identity', 3) }).then((i) => {
        stoppers.push(() => i.stop());
        return i;
      }),
    ]);
    const aci = await startAciEmulator({
      // Only the configured resource group exists; create others with PUT /__admin/resourcegroups/{name}.
      resourceGroups: [options.resourceGroup ?? STACK_DEFAULTS.resourceGroup],
      ...options.aci,
      imageMounts: {
        [stagerImage]: { '/opt/flotilla': options.stagerDir ?? defaultStagerDir() },
        ...options.aci?.imageMounts,
      },
      processEnv: { NODE_EXTRA_CA_CERTS: certificate.certFile, ...options.aci?.processEnv },
      port: port('aci', 1),
      tls: certificate,
      mode,
      ...(containers ? { containers } : {}),
      clock,
      faults,
      workRoot: options.aci?.workRoot ?? join(stateDir, 'aci'),
    });
    stoppers.push(() => aci.stop());
    const batch = await startBatchEmulator({
      account: STACK_DEFAULTS.batchAccount,
      key: randomBytes(32).toString('base64'),
      pools: [DEFAULT_POOL],
      // flotilla's autoscale pools re-evaluate every second of the clock, not every 5 minutes (docs/emulators.md).
      autoScaleIntervalMs: 1_000,
      ...options.batch,
      processEnv: { NODE_EXTRA_CA_CERTS: certificate.certFile, ...options.batch?.processEnv },
      port: port('batch', 2),
      mode,
      ...(containers ? { containers } : {}),
      clock,
      faults,
      workRoot: options.batch?.workRoot ?? join(stateDir, 'batch'),
    });
    stoppers.push(() => batch.stop());
    const settings = stackSettings({
      azurite,
      identity,
      aciUrl: aci.url,
      batch,
      batchPoolId: options.batch?.pools ? undefined : DEFAULT_POOL.id,
      certificate,
      subscriptionId: options.subscriptionId ?? STACK_DEFAULTS.subscriptionId,
      resourceGroup: options.resourceGroup ?? STACK_DEFAULTS.resourceGroup,
      location: options.location ?? STACK_DEFAULTS.location,
      faultFile,
      stagerImage,
    });
    return { settings, azurite, aci, batch, identity, certificate, faults, clock, execution, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The executor mode: `auto` and `container` resolve FLOTILLA_LOCAL_ENGINE (in `env`); container mode first
 * removes containers of stacks that died without removing theirs.
 */
function executionFor(
  options: StackOptions,
  probeImage: string,
  clock: Clock,
  certFile: string,
): { execution: Execution; containers?: ContainerExecutor } {
  if (options.mode === 'simulate') return { execution: { mode: 'simulate' } };
  if (options.mode === 'process') return { execution: { mode: 'process' } };
  const env = options.env ?? process.env;
  let engine = options.engine;
  if (!engine) {
    const resolved = resolveLocalEngine(probeImage, env);
    if (resolved.kind === 'process') {
      if (options.mode === 'auto') return { execution: { mode: 'process', reason: resolved.reason } };
      throw new Error(
        `startStack: mode "container" needs docker or podman: ${resolved.reason}. ${INSTALL_HINT}`,
      );
    }
    engine = resolved.engine;
  }
  removeLeftovers(engine);
  const stackId = randomBytes(4).toString('hex');
  const containers = new ContainerExecutor(clock, {
    engine,
    stackId,
    hostEnv: { NODE_EXTRA_CA_CERTS: certFile },
    hostFiles: [certFile],
  });
  return { execution: { mode: 'container', engine: engine.engine, stackId }, containers };
}

function resolveFaults(options: StackOptions): { faults: FaultInjector; faultFile?: string } {
  const { faults } = options;
  if (faults instanceof FaultInjector) return { faults };
  if (faults && typeof faults !== 'string') {
    return { faults: new FaultInjector(parseFaultFile(faults, 'faults option')) };
  }
  const file = faults ?? (options.env ?? process.env).FLOTILLA_EMULATOR_FAULTS;
  if (!file) return { faults: new FaultInjector() };
  const faultFile = resolve(file);
  return { faults: new FaultInjector(loadFaultFile(faultFile)), faultFile };
}
