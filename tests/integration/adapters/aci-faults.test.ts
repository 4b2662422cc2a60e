import { VirtualClock } from '../../../packages/emulators/common/clock';
import type { FaultRule } from '../../../packages/emulators/common/faults';
import { AdapterError } from '../../../src/adapters/errors';
import { uniqueContainerName } from '../../support/azurite';
import { aLaunch } from '../../unit/compute/launch-builder';
import { type AciHarness, aciHarness } from './aci-harness';

/**
 * Every fault the ACI emulator injects, and what the adapter makes of it: the classification (kind, code,
 * retryAfterMs) and the in-call retry behaviour (counted by the emulator's recorder).
 */
describe('ACI adapter under injected faults', () => {
  let h: AciHarness;
  let clock: VirtualClock;
  let results = uniqueContainerName('aci-faults');
  const launch = () =>
    aLaunch({ outputs: { container: results, prefix: 'o' }, logs: { container: results, prefix: 'l' } });
  const fault = (rule: Omit<FaultRule, 'service'>) => h.emulator.faults.add({ service: 'aci', ...rule });
  const puts = () => h.counts().ContainerGroups_CreateOrUpdate ?? 0;

  beforeAll(async () => {
    clock = new VirtualClock(Date.now());
    h = await aciHarness({
      clock,
      provisioningMs: 2_000,
      // Per-attempt deadline: long enough for a loaded 2-core machine, short enough for the hang cases.
      timeoutMs: 3_000,
      simulate: (spec) => ({ durationMs: spec.init ? 1_000 : 30_000, exitCode: 0 }),
    });
    // Warm up (module loading, first TLS handshake, Azurite) so per-call deadlines measure the emulator only.
    // Its outcome does not matter (a slow first call may time out): each test resets the emulator.
    await h.backend.start([launch()]).catch(() => undefined);
  });
  afterAll(() => h.emulator.stop());
  beforeEach(() => {
    results = uniqueContainerName('aci-faults');
    h.emulator.reset();
    h.slept.length = 0;
  });

  const startError = async (): Promise<AdapterError> => {
    const error = await h.backend.start([launch()]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AdapterError);
    return error as AdapterError;
  };

  it('429 with a short Retry-After: waits exactly that long and succeeds', async () => {
    fault({ operation: 'ContainerGroups_CreateOrUpdate', kind: 'throttle', retryAfterSeconds: 2, times: 1 });
    const [result] = await h.backend.start([launch()]);
    expect(result?.created).toBe(true);
    expect(h.slept).toEqual([2000]);
    expect(puts()).toBe(2);
  });

  it('429 with a long Retry-After: transient THROTTLED carrying retryAfterMs, no waiting in the call', async () => {
    fault({ operation: 'ContainerGroups_CreateOrUpdate', kind: 'throttle', retryAfterSeconds: 120 });
    const error = await startError();
    expect([error.kind, error.code, error.retryAfterMs]).toEqual(['transient', 'THROTTLED', 120_000]);
    expect(h.slept).toEqual([]);
    expect(puts()).toBe(1);
  });

  it.each([500, 503])('%i: retried with backoff, then succeeds', async (status) => {
    fault({ operation: 'ContainerGroups_CreateOrUpdate', kind: 'server-error', status, times: 2 });
    await h.backend.start([launch()]);
    expect(h.slept).toHaveLength(2);
    expect(puts()).toBe(3);
    expect(h.emulator.resources()).toHaveLength(1);
  });

  it('5xx on every attempt: transient SERVER_ERROR after the attempts', async () => {
    fault({ operation: 'ContainerGroups_CreateOrUpdate', kind: 'server-error', status: 500 });
    const error = await startError();
    expect([error.kind, error.code, error.details.status]).toEqual(['transient', 'SERVER_ERROR', 500]);
    expect(puts()).toBe(3);
    expect(h.emulator.resources()).toEqual([]);
  });

  it('no response (connection reset): NETWORK, retried', async () => {
    fault({ operation: 'ContainerGroups_CreateOrUpdate', kind: 'no-response', times: 1 });
    await h.backend.start([launch()]);
    expect(h.slept).toHaveLength(1);
    expect(h.emulator.resources()).toHaveLength(1);
  });

  it('no answer at all: each attempt times out (TIMEOUT), then the next one succeeds', async () => {
    fault({ operation: 'ContainerGroups_Get', kind: 'hang', times: 1 });
    const status = await h.backend.status(launch());
    expect(status.state).toBe('failed');
    expect(h.slept).toHaveLength(1);
    fault({ operation: 'ContainerGroups_Get', kind: 'hang' });
    const error = await h.backend.status(launch()).catch((e: unknown) => e as AdapterError);
    expect(error).toMatchObject({ kind: 'transient', code: 'TIMEOUT' });
  });

  it('quota reached: capacity back-pressure, not retried in the call, nothing created', async () => {
    fault({ operation: 'ContainerGroups_CreateOrUpdate', kind: 'quota' });
    const error = await startError();
    expect([error.kind, error.code, error.details.serviceCode]).toEqual([
      'capacity',
      'CAPACITY',
      'ContainerGroupQuotaReached',
    ]);
    expect(error.retryable).toBe(true);
    expect(puts()).toBe(1);
    expect(h.emulator.resources()).toEqual([]);
  });

  it('inaccessible image: permanent IMAGE_INACCESSIBLE, no retry', async () => {
    fault({ operation: 'ContainerGroups_CreateOrUpdate', kind: 'inaccessible-image' });
    const error = await startError();
    expect([error.kind, error.code]).toEqual(['permanent', 'IMAGE_INACCESSIBLE']);
    expect(error.message).toMatch(/is not accessible/);
    expect(puts()).toBe(1);
  });

  it('registry error: transient, retried minutes later by the durable policy (retryAfterMs), not in the call', async () => {
    fault({ operation: 'ContainerGroups_CreateOrUpdate', kind: 'registry-error' });
    const error = await startError();
    expect([error.kind, error.code, error.retryAfterMs]).toEqual(['transient', 'REGISTRY_ERROR', 60_000]);
    expect(puts()).toBe(1);
  });

  it('OOM (exit 137): the step fails with exit code 137 and the reason', async () => {
    fault({ operation: 'Run', resource: '/step$', kind: 'oom', delayMs: 5_000 });
    await h.backend.start([launch()]);
    await clock.advance(20_000);
    expect(await h.backend.status(launch())).toMatchObject({
      state: 'failed',
      exitCode: 137,
      reason: 'exit 137: OOMKilled',
    });
  });

  it('slow provisioning: pending while ACI provisions, running after', async () => {
    fault({ operation: 'ContainerGroups_CreateOrUpdate', kind: 'slow-provisioning', delayMs: 600_000 });
    await h.backend.start([launch()]);
    await clock.advance(300_000);
    expect((await h.backend.status(launch())).state).toBe('pending');
    await clock.advance(310_000);
    expect((await h.backend.status(launch())).state).toBe('running');
  });

  it('never finishes: stays running however long we wait; release stops and deletes it', async () => {
    fault({ operation: 'Run', resource: '/step$', kind: 'never-finishes' });
    await h.backend.start([launch()]);
    await clock.advance(7 * 24 * 3600_000);
    expect((await h.backend.status(launch())).state).toBe('running');
    await h.backend.release(launch());
    expect(h.emulator.resources()).toEqual([]);
  });

  it('exit code: a non-zero exit is a failed step with its exit code', async () => {
    fault({ operation: 'Run', resource: '/step$', kind: 'exit-code', exitCode: 3, delayMs: 1_000 });
    await h.backend.start([launch()]);
    await clock.advance(10_000);
    expect(await h.backend.status(launch())).toMatchObject({ state: 'failed', exitCode: 3 });
  });

  it('provisioning that fails (ACI gives up): the failed group is deleted, the start fails as transient', async () => {
    const failing = await aciHarness({ provisioningMs: 100, provisioningTimeoutMs: 1 });
    try {
      const error = await failing.backend.start([launch()]).catch((e: unknown) => e as AdapterError);
      expect(error).toMatchObject({ kind: 'transient', code: 'SERVER_ERROR' });
      expect(failing.counts()).toMatchObject({
        ContainerGroups_CreateOrUpdate: 1,
        ContainerGroups_Delete: 1,
      });
      expect(failing.emulator.resources()).toEqual([]);
    } finally {
      await failing.emulator.stop();
    }
  });
});
