import type { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { VirtualClock } from '../../../../packages/emulators/common/clock';
import type { AciEmulator } from '../../../../packages/emulators/aci';
import { aciClient, rawRequest, startTestAciEmulator } from '../../../support/aci-client';
import { aContainer, aGroup } from './builders';

describe('ACI emulator: container group lifecycle through the real SDK', () => {
  const clock = new VirtualClock();
  let emulator: AciEmulator;
  let client: ContainerInstanceManagementClient;

  beforeAll(async () => {
    emulator = await startTestAciEmulator({
      clock,
      provisioningMs: 5000,
      simulate: (spec) => ({
        durationMs: 60_000,
        exitCode: spec.container === 'fails' ? 3 : 0,
        logs: `ran ${spec.container}\n`,
      }),
    });
    client = await aciClient(emulator);
  });
  afterAll(() => emulator.stop());

  it('creates through the LRO (Pending, Creating, Succeeded), then runs to completion', async () => {
    const poller = await client.containerGroups.beginCreateOrUpdate('rg1', 'cg-life', aGroup(), {
      updateIntervalInMs: 5,
    });
    const opUrl = new URL(JSON.parse(poller.toString()).state.config.operationLocation as string);
    const opStatus = async () =>
      ((await rawRequest(emulator, 'GET', opUrl.pathname + opUrl.search)).body as { status: string }).status;
    expect(emulator.recorder.all().map((r) => [r.operation, r.status])).toEqual([
      ['ContainerGroups_CreateOrUpdate', 201],
      ['AsyncOperation_Get', 200],
    ]);
    const states = [await opStatus()];
    await clock.advance(2500);
    states.push(await opStatus());
    await clock.advance(2500);
    const group = await poller.pollUntilDone();
    expect(states).toEqual(['Pending', 'Creating']);
    expect(await opStatus()).toBe('Succeeded');
    expect(group.provisioningState).toBe('Succeeded');
    expect(group.id).toBe(
      `/subscriptions/${client.subscriptionId}/resourceGroups/rg1/providers/Microsoft.ContainerInstance/containerGroups/cg-life`,
    );
    const running = await client.containerGroups.get('rg1', 'cg-life');
    expect(running.instanceView?.state).toBe('Running');
    expect(running.containers[0]?.instanceView?.currentState?.state).toBe('Running');
    await clock.advance(60_000);
    const done = await client.containerGroups.get('rg1', 'cg-life');
    const current = done.containers[0]?.instanceView?.currentState;
    expect(done.instanceView?.state).toBe('Succeeded');
    expect(current?.state).toBe('Terminated');
    expect(current?.exitCode).toBe(0);
    expect(current?.detailStatus).toBe('Completed');
    expect(current!.finishTime!.getTime() - current!.startTime!.getTime()).toBe(60_000);
    expect(done.containers[0]?.instanceView?.events?.map((e) => e.name)).toEqual([
      'Pulling',
      'Pulled',
      'Created',
      'Started',
    ]);
    const logs = await client.containers.listLogs('rg1', 'cg-life', 'step');
    expect(logs.content).toBe('ran step\n');
  });

  it('reports a failing container as group state Failed with its exit code', async () => {
    const poller = await client.containerGroups.beginCreateOrUpdate(
      'rg1',
      'cg-fails',
      aGroup({ containers: [aContainer('fails')] }),
      { updateIntervalInMs: 5 },
    );
    await clock.advance(5000);
    await poller.pollUntilDone();
    await clock.advance(60_000);
    const group = await client.containerGroups.get('rg1', 'cg-fails');
    expect(group.instanceView?.state).toBe('Failed');
    expect(group.containers[0]?.instanceView?.currentState).toMatchObject({
      state: 'Terminated',
      exitCode: 3,
      detailStatus: 'Error',
    });
  });

  it('answers 409 ContainerGroupTransitioning while provisioning, and re-PUT of the same spec is a no-op 200', async () => {
    await client.containerGroups.beginCreateOrUpdate('rg1', 'cg-busy', aGroup(), { updateIntervalInMs: 5 });
    for (const call of [
      () => client.containerGroups.beginDeleteAndWait('rg1', 'cg-busy'),
      () => client.containerGroups.stop('rg1', 'cg-busy'),
      () => client.containerGroups.beginCreateOrUpdate('rg1', 'cg-busy', aGroup()),
      () => client.containers.listLogs('rg1', 'cg-busy', 'step'),
    ]) {
      await expect(call()).rejects.toMatchObject({ statusCode: 409, code: 'ContainerGroupTransitioning' });
    }
    await clock.advance(5000);
    const again = await client.containerGroups.beginCreateOrUpdateAndWait('rg1', 'cg-busy', aGroup());
    expect(again.provisioningState).toBe('Succeeded');
    expect(emulator.resources().filter((r) => r.name === 'cg-busy')).toHaveLength(1);
  });

  it('updates tags with PATCH and keeps them on GET', async () => {
    const patched = await client.containerGroups.update('rg1', 'cg-life', {
      tags: { runId: 'r1', step: 's2' },
    });
    expect(patched.tags).toEqual({ runId: 'r1', step: 's2' });
    expect((await client.containerGroups.get('rg1', 'cg-life')).tags).toEqual({ runId: 'r1', step: 's2' });
    expect(emulator.resources().find((r) => r.name === 'cg-life')?.tags).toEqual({ runId: 'r1', step: 's2' });
  });

  it('stops, starts again (new provisioning) and restarts in place', async () => {
    const poller = await client.containerGroups.beginCreateOrUpdate('rg1', 'cg-ops', aGroup(), {
      updateIntervalInMs: 5,
    });
    await clock.advance(5000);
    await poller.pollUntilDone();
    await clock.advance(1000);
    await client.containerGroups.beginRestartAndWait('rg1', 'cg-ops', { updateIntervalInMs: 5 });
    const restarted = await client.containerGroups.get('rg1', 'cg-ops');
    expect(restarted.containers[0]?.instanceView?.restartCount).toBe(1);
    expect(restarted.containers[0]?.instanceView?.previousState).toMatchObject({
      state: 'Terminated',
      exitCode: 137,
    });
    await client.containerGroups.stop('rg1', 'cg-ops');
    const stopped = await client.containerGroups.get('rg1', 'cg-ops');
    expect(stopped.instanceView?.state).toBe('Stopped');
    expect(stopped.provisioningState).toBe('Succeeded');
    expect(stopped.containers[0]?.instanceView?.currentState?.state).toBe('Terminated');
    const start = await client.containerGroups.beginStart('rg1', 'cg-ops', { updateIntervalInMs: 5 });
    await clock.advance(5000);
    await start.pollUntilDone();
    const started = await client.containerGroups.get('rg1', 'cg-ops');
    expect(started.instanceView?.state).toBe('Running');
  });

  it('deletes with 200 and then 204 (idempotent), after which GET is 404 ResourceNotFound', async () => {
    const poller = await client.containerGroups.beginCreateOrUpdate('rg1', 'cg-del', aGroup(), {
      updateIntervalInMs: 5,
    });
    await clock.advance(5000);
    await poller.pollUntilDone();
    const before = emulator.recorder.all().length;
    await client.containerGroups.beginDeleteAndWait('rg1', 'cg-del');
    await client.containerGroups.beginDeleteAndWait('rg1', 'cg-del');
    const deletes = emulator.recorder
      .all()
      .slice(before)
      .map((r) => r.status);
    expect(deletes).toEqual([200, 204]);
    await expect(client.containerGroups.get('rg1', 'cg-del')).rejects.toMatchObject({
      statusCode: 404,
      code: 'ResourceNotFound',
    });
  });
});
