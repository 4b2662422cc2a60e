import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { RealClock, type Clock } from '../common/clock';
import { FaultInjector } from '../common/faults';
import type { UsageBill } from '../common/meter';
import { RequestRecorder } from '../common/recorder';
import { listResources, type AciResource } from './admin';
import { ARM_AUDIENCES, DEFAULT_QUOTAS, type AciEmulatorOptions, type AciQuotas } from './options';
import { GroupRuntime } from './runtime';
import { createHandler } from './server';
import { GroupStore } from './store';
import { ARM_SUBSCRIPTION_LIMITS, ArmThrottle } from './throttling';

export type { AciEmulatorOptions, AciQuotas, AciStepSpec } from './options';
export { ARM_AUDIENCES, DEFAULT_QUOTAS, API_VERSION } from './options';
export type { AciResource } from './admin';
export { ARM_SUBSCRIPTION_LIMITS } from './throttling';
export type { ArmThrottlingLimits } from './throttling';

export interface AciEmulator {
  /** `https://127.0.0.1:<port>`: the `endpoint` of the ARM client. */
  readonly url: string;
  readonly port: number;
  readonly recorder: RequestRecorder;
  readonly faults: FaultInjector;
  readonly clock: Clock;
  /** Container groups still alive, with tags and state. */
  resources(): AciResource[];
  /** Run time of every container that ran, by container name, with its vCPU- and GB-seconds. */
  billing(): UsageBill;
  /** Recorded requests whose body did not validate (tests assert this stays empty). */
  validationFailures(): ReturnType<RequestRecorder['all']>;
  /** Forgets every group (killing its processes), recording and fault rule. */
  reset(): void;
  stop(): Promise<void>;
}

/** Starts the ARM / ACI emulator on 127.0.0.1 over HTTPS. */
export async function startAciEmulator(options: AciEmulatorOptions): Promise<AciEmulator> {
  const clock = options.clock ?? new RealClock();
  const faults = options.faults ?? new FaultInjector();
  const recorder = new RequestRecorder();
  const quotas: AciQuotas = { ...DEFAULT_QUOTAS, ...options.quotas };
  const runtime = new GroupRuntime(clock, options, faults, (fault) =>
    recorder.record({ at: clock.now(), method: 'RUN', path: '', status: 0, operation: 'Run', fault }),
  );
  const store = new GroupStore(clock, runtime, {
    quotas,
    provisioningMs: options.provisioningMs ?? 5000,
    provisioningTimeoutMs: options.provisioningTimeoutMs ?? 30 * 60_000,
    inaccessibleImages: options.inaccessibleImages ?? [],
    ...(options.containers ? { missingImage: (image: string) => !options.containers?.hasImage(image) } : {}),
    ...(options.resourceGroups ? { resourceGroups: options.resourceGroups } : {}),
  });
  const throttle = options.armThrottling
    ? new ArmThrottle({
        ...ARM_SUBSCRIPTION_LIMITS,
        ...(options.armThrottling === true ? {} : options.armThrottling),
      })
    : undefined;
  const server = createServer(
    { cert: options.tls.cert, key: options.tls.key },
    createHandler({
      store,
      clock,
      faults,
      recorder,
      quotas,
      pageSize: options.pageSize ?? 100,
      meter: runtime.meter,
      audiences: options.auth?.audiences ?? ARM_AUDIENCES,
      ...(throttle ? { throttle } : {}),
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    recorder,
    faults,
    clock,
    resources: () => listResources(store, clock.now()),
    billing: () => runtime.meter.bill(),
    validationFailures: () => recorder.all().filter((r) => r.validationErrors?.length),
    reset: () => {
      throttle?.reset();
      store.clear();
      recorder.clear();
      faults.clear();
      runtime.meter.clear();
    },
    stop: async () => {
      store.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
