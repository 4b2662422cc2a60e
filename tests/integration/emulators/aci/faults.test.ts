import type { ContainerGroup, ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { VirtualClock } from '../../../../packages/emulators/common/clock';
import type { FaultRule } from '../../../../packages/emulators/common/faults';
import type { AciEmulator } from '../../../../packages/emulators/aci';
import { aciClient, startTestAciEmulator } from '../../../support/aci-client';
import { aContainer, aGroup } from './builders';

describe('ACI emulator: injected faults as the real SDK sees them', () => {
  const clock = new VirtualClock();
  let emulator: AciEmulator;
  let client: ContainerInstanceManagementClient;

  beforeAll(async () => {
    emulator = await startTestAciEmulator({
      clock,
      provisioningMs: 5000,
      simulate: () => ({ durationMs: 10_000, exitCode: 0 }),
    });
    client = await aciClient(emulator);
  });
  afterAll(() => emulator.stop());

  /** Adds one rule scoped to `name` and returns the requests recorded for that group afterwards. */
  const fault = (name: string, rule: Omit<FaultRule, 'resource' | 'service'>) => {
    emulator.faults.add({ id: `${name}-${rule.kind}`, service: 'aci', resource: `^${name}$`, ...rule });
    const from = emulator.recorder.all().length;
    return () =>
      emulator.recorder
        .all()
        .slice(from)
        .filter((r) => r.path.endsWith(`/${name}`));
  };

  async function createRunning(name: string, group: ContainerGroup = aGroup()): Promise<void> {
    const poller = await client.containerGroups.beginCreateOrUpdate('rg1', name, group, {
      updateIntervalInMs: 5,
    });
    await clock.advance(5000);
    await poller.pollUntilDone();
  }

  it('throttle: 429 with Retry-After is retried by the SDK with the same client request id', async () => {
    await createRunning('f-throttle');
    const seen = fault('f-throttle', {
      kind: 'throttle',
      operation: 'ContainerGroups_Get',
      retryAfterSeconds: 1,
      times: 1,
    });
    const group = await client.containerGroups.get('rg1', 'f-throttle');
    expect(group.name).toBe('f-throttle');
    const calls = seen();
    expect(calls.map((r) => [r.status, r.fault])).toEqual([
      [429, 'f-throttle-throttle'],
      [200, undefined],
    ]);
    expect(calls[0]?.clientRequestId).toBeDefined();
    expect(calls[1]?.clientRequestId).toBe(calls[0]?.clientRequestId);
  });

  it('throttle without Retry-After (retryAfterSeconds 0): 429 TooManyRequests, not retried', async () => {
    const seen = fault('f-429', { kind: 'throttle', retryAfterSeconds: 0 });
    await expect(client.containerGroups.beginCreateOrUpdate('rg1', 'f-429', aGroup())).rejects.toMatchObject({
      statusCode: 429,
      code: 'TooManyRequests',
    });
    expect(seen()).toHaveLength(1);
  });

  it('server-error 500 is retried 3 times, then surfaces as RestError 500 InternalServerError', async () => {
    await createRunning('f-500');
    const seen = fault('f-500', { kind: 'server-error', status: 500, operation: 'ContainerGroups_Get' });
    await expect(client.containerGroups.get('rg1', 'f-500')).rejects.toMatchObject({
      statusCode: 500,
      code: 'InternalServerError',
    });
    expect(seen().map((r) => r.status)).toEqual([500, 500, 500, 500]);
  });

  it('server-error 502 answers HTML (a gateway), retried then surfaced with status 502', async () => {
    const seen = fault('f-502', { kind: 'server-error', status: 502 });
    await expect(client.containerGroups.get('rg1', 'f-502')).rejects.toMatchObject({ statusCode: 502 });
    expect(seen()).toHaveLength(4);
  });

  it('server-error with commit: the PUT is applied, answered 503, and the SDK retry meets the group', async () => {
    const seen = fault('f-commit', {
      kind: 'server-error',
      commit: true,
      times: 1,
      operation: 'ContainerGroups_CreateOrUpdate',
    });
    await expect(
      client.containerGroups.beginCreateOrUpdate('rg1', 'f-commit', aGroup()),
    ).rejects.toMatchObject({
      statusCode: 409,
      code: 'ContainerGroupTransitioning',
    });
    expect(seen().map((r) => r.status)).toEqual([503, 409]);
    expect(emulator.resources().find((r) => r.name === 'f-commit')?.provisioningState).toBe('Pending');
  });

  it('no-response: the socket is destroyed, the SDK retries and succeeds', async () => {
    await createRunning('f-reset');
    const seen = fault('f-reset', { kind: 'no-response', operation: 'ContainerGroups_Get', times: 1 });
    expect((await client.containerGroups.get('rg1', 'f-reset')).name).toBe('f-reset');
    expect(seen().map((r) => [r.status, r.fault ?? null])).toEqual([
      [0, 'f-reset-no-response'],
      [200, null],
    ]);
  });

  it('hang: no answer until the caller gives up with an abort signal', async () => {
    await createRunning('f-hang');
    fault('f-hang', { kind: 'hang', operation: 'ContainerGroups_Get', times: 1 });
    await expect(
      client.containerGroups.get('rg1', 'f-hang', { abortSignal: AbortSignal.timeout(200) }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect((await client.containerGroups.get('rg1', 'f-hang')).name).toBe('f-hang');
  });

  it.each([
    ['quota', 400, 'ContainerGroupQuotaReached', /quota 'StandardCores' exceeded in region 'eastus'/],
    [
      'inaccessible-image',
      400,
      'InaccessibleImage',
      /The image 'mcr\.microsoft\.com\/azurelinux\/base\/core:3\.0' in container group 'f-inaccessible-image' is not accessible/,
    ],
    ['registry-error', 409, 'RegistryErrorResponse', /docker registry 'mcr\.microsoft\.com'/],
  ] as const)(
    '%s: create answers %i %s, not retried, nothing created',
    async (kind, status, code, message) => {
      const name = `f-${kind}`;
      const seen = fault(name, { kind });
      const error = await client.containerGroups
        .beginCreateOrUpdate('rg1', name, aGroup())
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ statusCode: status, code });
      expect((error as Error).message).toMatch(message);
      expect(seen().map((r) => r.fault)).toEqual([`${name}-${kind}`]);
      expect(emulator.resources().map((r) => r.name)).not.toContain(name);
    },
  );

  it('slow-provisioning: the operation stays Creating for delayMs longer', async () => {
    fault('f-slow', { kind: 'slow-provisioning', delayMs: 60_000 });
    const poller = await client.containerGroups.beginCreateOrUpdate('rg1', 'f-slow', aGroup(), {
      updateIntervalInMs: 5,
    });
    await clock.advance(30_000);
    expect(emulator.resources().find((r) => r.name === 'f-slow')?.provisioningState).toBe('Creating');
    await clock.advance(35_000);
    expect((await poller.pollUntilDone()).provisioningState).toBe('Succeeded');
  });

  it('slow-provisioning beyond 30 minutes: the LRO fails as ACI times provisioning out', async () => {
    fault('f-stuck', { kind: 'slow-provisioning', delayMs: 3 * 3600_000 });
    const poller = await client.containerGroups.beginCreateOrUpdate('rg1', 'f-stuck', aGroup(), {
      updateIntervalInMs: 5,
    });
    await clock.advance(30 * 60_000);
    await expect(poller.pollUntilDone()).rejects.toThrow(
      /The long-running operation has failed.*did not finish provisioning/,
    );
    const group = await client.containerGroups.get('rg1', 'f-stuck');
    expect(group.provisioningState).toBe('Failed');
    await client.containerGroups.beginDeleteAndWait('rg1', 'f-stuck');
  });

  it.each([
    ['oom', 137, 'OOMKilled', {}],
    ['exit-code', 42, 'Error', { exitCode: 42 }],
  ] as const)('%s on Run: the container ends with exit %i (%s)', async (kind, exitCode, detail, extra) => {
    const name = `f-run-${kind}`;
    emulator.faults.add({
      id: name,
      service: 'aci',
      operation: 'Run',
      resource: `^${name}/step$`,
      kind,
      ...extra,
    });
    await createRunning(name);
    await clock.advance(10);
    const group = await client.containerGroups.get('rg1', name);
    expect(group.containers[0]?.instanceView?.currentState).toMatchObject({
      state: 'Terminated',
      exitCode,
      detailStatus: detail,
    });
    expect(group.instanceView?.state).toBe('Failed');
    expect(emulator.recorder.all().filter((r) => r.operation === 'Run' && r.fault === name)).toHaveLength(1);
  });

  it('never-finishes on Run: the container keeps running until stopped', async () => {
    emulator.faults.add({
      service: 'aci',
      operation: 'Run',
      resource: '^f-forever/',
      kind: 'never-finishes',
    });
    await createRunning('f-forever', aGroup({ containers: [aContainer('step')] }));
    await clock.advance(24 * 3600_000);
    const running = await client.containerGroups.get('rg1', 'f-forever');
    expect(running.containers[0]?.instanceView?.currentState?.state).toBe('Running');
    await client.containerGroups.stop('rg1', 'f-forever');
    const stopped = await client.containerGroups.get('rg1', 'f-forever');
    expect(stopped.containers[0]?.instanceView?.currentState).toMatchObject({
      state: 'Terminated',
      exitCode: 137,
    });
  });

  it('capacity: 409 ServiceUnavailable at create, naming the requested size (F6, sync)', async () => {
    const seen = fault('f-cap', { kind: 'capacity', times: 1 });
    const error = await client.containerGroups
      .beginCreateOrUpdate('rg1', 'f-cap', aGroup())
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 409, code: 'ServiceUnavailable' });
    expect((error as Error).message).toContain("Resource requested: '1' CPU '1.5' GB memory 'Linux' OS");
    expect(seen()).toHaveLength(1);
  });

  it('capacity with commit: the create is accepted, provisioning fails and the group stays (F6, async)', async () => {
    fault('f-cap-async', { kind: 'capacity', commit: true });
    const poller = await client.containerGroups.beginCreateOrUpdate('rg1', 'f-cap-async', aGroup(), {
      updateIntervalInMs: 5,
    });
    await clock.advance(5000);
    await expect(poller.pollUntilDone()).rejects.toThrow(
      /The long-running operation has failed\. Failed\. The requested resource is not available in the location 'eastus'/,
    );
    expect((await client.containerGroups.get('rg1', 'f-cap-async')).provisioningState).toBe('Failed');
    expect(emulator.resources().find((r) => r.name === 'f-cap-async')?.state).toBe('Failed');
  });
});
