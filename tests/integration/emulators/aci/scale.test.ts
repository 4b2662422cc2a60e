import { VirtualClock } from '../../../../packages/emulators/common/clock';
import type { AciEmulator } from '../../../../packages/emulators/aci';
import { aciClient, rawRequest, startTestAciEmulator, TEST_SUBSCRIPTION } from '../../../support/aci-client';

const GROUPS = 2000;

describe('ACI emulator: simulate mode holds thousands of groups', () => {
  const clock = new VirtualClock();
  let emulator: AciEmulator;

  beforeAll(async () => {
    emulator = await startTestAciEmulator({
      clock,
      provisioningMs: 5000,
      pageSize: 500,
      quotas: { groupsPerRegion: 1e6, coresPerRegion: 1e6, createsPer5Min: 1e6, createsPerHour: 1e6 },
      // Every 10th group fails with exit 2; run time grows with the index so groups finish at different times.
      simulate: (spec) => {
        const index = Number(spec.group.split('-')[1]);
        return {
          durationMs: spec.init ? 1000 : 60_000 + index * 10,
          exitCode: !spec.init && index % 10 === 0 ? 2 : 0,
        };
      },
    });
  });
  afterAll(() => emulator.stop());

  it(`creates ${GROUPS} groups, runs them all on the clock and lists them in pages`, async () => {
    const client = await aciClient(emulator);
    // Bulk creation by raw PUT (one request each); the SDK reads them back below.
    const body = {
      location: 'eastus',
      properties: {
        osType: 'Linux',
        restartPolicy: 'Never',
        initContainers: [{ name: 'stage-in', properties: { image: 'flotilla/stager:1', command: ['true'] } }],
        containers: ['step', 'stage-out'].map((name) => ({
          name,
          properties: {
            image: 'busybox',
            command: ['true'],
            resources: { requests: { cpu: 1, memoryInGB: 1 } },
          },
        })),
      },
    };
    const path = (i: number) =>
      `/subscriptions/${TEST_SUBSCRIPTION}/resourceGroups/rg-scale/providers/Microsoft.ContainerInstance/containerGroups/sim-${i}?api-version=2023-05-01`;
    for (let i = 0; i < GROUPS; i += 50) {
      const statuses = await Promise.all(
        Array.from(
          { length: 50 },
          async (_, j) => (await rawRequest(emulator, 'PUT', path(i + j), { body })).status,
        ),
      );
      expect(new Set(statuses)).toEqual(new Set([201]));
    }
    await clock.advance(5000 + 1000 + 60_000 + GROUPS * 10);
    const states = new Map<string, number>();
    for (const r of emulator.resources()) states.set(r.state, (states.get(r.state) ?? 0) + 1);
    expect(Object.fromEntries(states)).toEqual({ Succeeded: GROUPS * 0.9, Failed: GROUPS * 0.1 });
    let listed = 0;
    for await (const g of client.containerGroups.listByResourceGroup('rg-scale'))
      listed += g.containers.length;
    expect(listed).toBe(GROUPS * 2);
    const sample = await client.containerGroups.get('rg-scale', 'sim-1230');
    expect(sample.containers.map((c) => c.instanceView?.currentState?.exitCode)).toEqual([2, 2]);
    expect(sample.initContainers?.[0]?.instanceView?.currentState?.exitCode).toBe(0);
    expect(emulator.recorder.counts().ContainerGroups_CreateOrUpdate).toBe(GROUPS);
  });
});
