import type { ContainerGroup, ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { VirtualClock } from '../../../../packages/emulators/common/clock';
import type { AciEmulator } from '../../../../packages/emulators/aci';
import { aciClient, startTestAciEmulator } from '../../../support/aci-client';
import { aContainer, aGroup, anInitContainer } from './builders';

/** Exit codes by container name (default 0); durations: init 1 s, main 10 s. */
const EXIT: Record<string, number> = { 'bad-init': 5, flaky: 3 };

describe('ACI emulator: init order, restart policies and redeploys (simulate mode)', () => {
  const clock = new VirtualClock();
  let emulator: AciEmulator;
  let client: ContainerInstanceManagementClient;

  beforeAll(async () => {
    emulator = await startTestAciEmulator({
      clock,
      provisioningMs: 1000,
      restartBackoffMs: 5000,
      simulate: (spec) => ({ durationMs: spec.init ? 1000 : 10_000, exitCode: EXIT[spec.container] ?? 0 }),
    });
    client = await aciClient(emulator);
  });
  afterAll(() => emulator.stop());

  async function create(name: string, group: ContainerGroup): Promise<void> {
    const poller = await client.containerGroups.beginCreateOrUpdate('rg1', name, group, {
      updateIntervalInMs: 5,
    });
    await clock.advance(1000);
    await poller.pollUntilDone();
  }
  const state = (g: ContainerGroup, init: boolean, i: number) =>
    (init ? g.initContainers : g.containers)?.[i]?.instanceView?.currentState;

  it('runs init containers one after another, then the main containers together', async () => {
    await create(
      'order',
      aGroup({
        initContainers: [anInitContainer('init-a'), anInitContainer('init-b')],
        containers: [aContainer('step'), aContainer('stage-out')],
      }),
    );
    await clock.advance(1500);
    const mid = await client.containerGroups.get('rg1', 'order');
    expect(state(mid, true, 0)?.state).toBe('Terminated');
    expect(state(mid, true, 1)?.state).toBe('Running');
    expect(state(mid, false, 0)?.state).toBe('Waiting');
    await clock.advance(20_000);
    const done = await client.containerGroups.get('rg1', 'order');
    const t = (s: ReturnType<typeof state>, k: 'startTime' | 'finishTime') => s?.[k]?.getTime() ?? NaN;
    expect(t(state(done, true, 1), 'startTime')).toBe(t(state(done, true, 0), 'finishTime'));
    expect(t(state(done, false, 0), 'startTime')).toBe(t(state(done, true, 1), 'finishTime'));
    expect(t(state(done, false, 1), 'startTime')).toBe(t(state(done, false, 0), 'startTime'));
    expect(done.instanceView?.state).toBe('Succeeded');
  });

  it('fails the group when an init container fails; the main containers never start', async () => {
    await create('bad-init-group', aGroup({ initContainers: [anInitContainer('bad-init')] }));
    await clock.advance(60_000);
    const group = await client.containerGroups.get('rg1', 'bad-init-group');
    expect(state(group, true, 0)).toMatchObject({ state: 'Terminated', exitCode: 5 });
    expect(state(group, false, 0)?.state).toBe('Waiting');
    expect(group.instanceView?.state).toBe('Failed');
  });

  it('restarts a failed container under OnFailure after the back-off, keeping the previous state', async () => {
    await create('on-failure', aGroup({ restartPolicy: 'OnFailure', containers: [aContainer('flaky')] }));
    await clock.advance(10_000 + 5000 + 1);
    const group = await client.containerGroups.get('rg1', 'on-failure');
    const view = group.containers[0]?.instanceView;
    expect(view?.restartCount).toBe(1);
    expect(view?.previousState).toMatchObject({ state: 'Terminated', exitCode: 3, detailStatus: 'Error' });
    expect(view?.currentState?.state).toBe('Running');
    expect(group.instanceView?.state).toBe('Running');
  });

  it('redeploys a group whose spec changed (200 + a new operation) and runs the new containers', async () => {
    await create('redeploy', aGroup());
    await clock.advance(10_000);
    const changed = aGroup({ containers: [aContainer('step', { command: ['/bin/sh', '-c', 'echo v2'] })] });
    const poller = await client.containerGroups.beginCreateOrUpdate('rg1', 'redeploy', changed, {
      updateIntervalInMs: 5,
    });
    const put = emulator.recorder
      .all()
      .filter((r) => r.operation === 'ContainerGroups_CreateOrUpdate')
      .at(-1);
    expect(put?.status).toBe(200);
    expect((await client.containerGroups.get('rg1', 'redeploy')).provisioningState).toBe('Pending');
    await clock.advance(1000);
    const group = await poller.pollUntilDone();
    expect(group.containers[0]?.command).toEqual(['/bin/sh', '-c', 'echo v2']);
    expect(state(await client.containerGroups.get('rg1', 'redeploy'), false, 0)?.state).toBe('Running');
  });

  it('platform-restart: a failed container is restarted once even under Never (F11)', async () => {
    emulator.faults.add({
      id: 'f11',
      service: 'aci',
      operation: 'Run',
      resource: '^f11/',
      kind: 'platform-restart',
    });
    await create('f11', aGroup({ containers: [aContainer('flaky')] }));
    await clock.advance(10_000);
    const failed = await client.containerGroups.get('rg1', 'f11');
    expect(failed.instanceView?.state).toBe('Failed');
    await clock.advance(5000 + 1);
    const again = await client.containerGroups.get('rg1', 'f11');
    expect(again.containers[0]?.instanceView).toMatchObject({
      restartCount: 1,
      previousState: { state: 'Terminated', exitCode: 3 },
      currentState: { state: 'Running' },
    });
    await clock.advance(10_000);
    const done = await client.containerGroups.get('rg1', 'f11');
    expect(done.containers[0]?.instanceView?.restartCount).toBe(1);
    expect(done.instanceView?.state).toBe('Failed');
    expect(emulator.recorder.all().filter((r) => r.fault === 'f11')).toHaveLength(1);
  });
});
