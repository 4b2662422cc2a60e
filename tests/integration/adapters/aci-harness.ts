import type { Clock } from '../../../packages/emulators/common/clock';
import type { AciEmulator, AciEmulatorOptions } from '../../../packages/emulators/aci';
import { AciBackend } from '../../../src/compute/aci/aci-backend';
import type { CallPolicy } from '../../../src/adapters/call-policy';
import type { StepRef } from '../../../src/compute/port';
import { DefaultSecretResolver } from '../../../src/secrets/secret-resolver';
import { TEST_SUBSCRIPTION, aciClient, startTestAciEmulator } from '../../support/aci-client';
import { testBlobStore } from './support';

export const RESOURCE_GROUP = 'flotilla-test';
export const STAGER_IMAGE = 'ghcr.io/flotilla/stager:test';
export const TEST_DEPLOYMENT_ID = 'd-test';

export interface AciHarness {
  readonly emulator: AciEmulator;
  readonly backend: AciBackend;
  /** Every in-call backoff the adapter asked for (no real sleeping in tests). */
  readonly slept: number[];
  readonly callbacks: StepRef[];
  counts(): Record<string, number>;
}

/** The ACI adapter as the composition root builds it (SDK retries off, callSdk owns them), against the emulator. */
export async function aciHarness(
  options: Partial<AciEmulatorOptions> & { clock?: Clock; callbackUrl?: string; timeoutMs?: number } = {},
): Promise<AciHarness> {
  const emulator = await startTestAciEmulator(options);
  const slept: number[] = [];
  const callbacks: StepRef[] = [];
  const policy: CallPolicy = {
    timeoutMs: options.timeoutMs ?? 5_000,
    attempts: 3,
    baseDelayMs: 50,
    maxWaitMs: 5_000,
    sleep: (ms) => {
      slept.push(ms);
      return Promise.resolve();
    },
  };
  const backend = new AciBackend({
    client: await aciClient(emulator, { maxRetries: 0, subscription: TEST_SUBSCRIPTION }),
    resourceGroup: RESOURCE_GROUP,
    location: 'westeurope',
    stagerImage: STAGER_IMAGE,
    deploymentId: TEST_DEPLOYMENT_ID,
    policy,
    store: testBlobStore(),
    secrets: new DefaultSecretResolver(undefined, { API_KEY: 'api-key-value' }, 1000),
    callbackUrl: (ref) => {
      callbacks.push(ref);
      return options.callbackUrl ?? 'http://127.0.0.1:9/api/callbacks/CALLBACK-TOKEN';
    },
    ...(options.clock ? { now: () => options.clock?.now() ?? 0 } : {}),
  });
  return { emulator, backend, slept, callbacks, counts: () => emulator.recorder.counts() };
}
