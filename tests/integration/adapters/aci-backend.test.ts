import { VirtualClock } from '../../../packages/emulators/common/clock';
import { containerGroupName } from '../../../src/compute/naming';
import { uniqueContainerName } from '../../support/azurite';
import { aLaunch } from '../../unit/compute/launch-builder';
import { testBlobStore } from './support';
import { type AciHarness, aciHarness } from './aci-harness';

const store = testBlobStore();

describe('ACI adapter against the ACI emulator', () => {
  let h: AciHarness;
  let clock: VirtualClock;
  let results: string;

  beforeAll(async () => {
    clock = new VirtualClock(Date.now());
    h = await aciHarness({
      clock,
      provisioningMs: 2_000,
      // stage-in 1 s, the step 60 s, stage-out ends just after it.
      simulate: (spec) => ({
        durationMs: spec.init ? 1_000 : spec.container === 'step' ? 60_000 : 61_000,
        exitCode: 0,
        logs: spec.container === 'step' ? 'tiling 1/1\n' : '',
      }),
    });
    results = uniqueContainerName('aci-results');
  });
  afterAll(() => h.emulator.stop());
  beforeEach(() => {
    h.emulator.reset();
    // A fresh container per test: each test's first start is a first try (no start journal yet).
    results = uniqueContainerName('aci-results');
  });

  const advance = (ms: number) => clock.advance(ms);

  const launch = (over: Parameters<typeof aLaunch>[0] = {}) =>
    aLaunch({
      outputs: { container: results, prefix: 'runs/run-1/img-001/tile' },
      logs: { container: results, prefix: 'runs/run-1/img-001/tile/logs' },
      secretEnv: { API_KEY: 'setting:API_KEY' },
      ...over,
    });

  it('starts a group and returns once ARM accepted it, tagged for the sweeper', async () => {
    const [result] = await h.backend.start([launch()]);
    expect(result).toEqual({
      runId: 'run-1',
      imageKey: 'img-001',
      step: 'tile',
      attempt: 1,
      resource: containerGroupName(launch()),
      created: true,
    });
    expect(await h.backend.status(launch())).toMatchObject({ state: 'pending' });
    const [group] = h.emulator.resources();
    expect(group?.name).toBe(containerGroupName(launch()));
    expect(group?.tags).toMatchObject({
      'managed-by': 'flotilla',
      run: 'run-1',
      image: 'img-001',
      step: 'tile',
      attempt: '1',
    });
    expect(Date.parse(group?.tags.expiry ?? '')).toBeGreaterThan(clock.now() + 600_000);
    expect(h.emulator.validationFailures()).toEqual([]);
    expect(h.callbacks).toHaveLength(1);
  });

  it('reports running, then succeeded with times, as the clock moves; saves logs; deletes idempotently', async () => {
    await h.backend.start([launch()]);
    await advance(5_000);
    expect(await h.backend.status(launch())).toMatchObject({ state: 'running' });
    await advance(120_000);
    const done = await h.backend.status(launch());
    expect(done).toMatchObject({ state: 'succeeded', exitCode: 0 });
    expect(Date.parse(done.finishedAt ?? '') - Date.parse(done.startedAt ?? '')).toBeGreaterThanOrEqual(
      60_000,
    );
    expect(await h.backend.saveLogs(launch())).toEqual(['runs/run-1/img-001/tile/logs/step.log']);
    expect(await store.getText(results, 'runs/run-1/img-001/tile/logs/step.log')).toContain('tiling 1/1');
    await h.backend.release(launch());
    await h.backend.release(launch());
    expect(h.emulator.resources()).toEqual([]);
    expect(await h.backend.status(launch())).toMatchObject({
      state: 'failed',
      reason: expect.stringContaining('not found') as unknown,
    });
  });

  it('makes one group when the same start runs twice', async () => {
    const first = await h.backend.start([launch()]);
    const second = await h.backend.start([launch()]);
    expect(first[0]?.created).toBe(true);
    expect(second[0]?.created).toBe(false);
    expect(h.emulator.resources()).toHaveLength(1);
    expect(h.counts().ContainerGroups_CreateOrUpdate).toBe(1);
  });

  it('leaves no duplicate when the activity died between the create and its return', async () => {
    // The PUT is applied but every answer is lost: the start fails as transient after its attempts.
    h.emulator.faults.add({
      service: 'aci',
      operation: 'ContainerGroups_CreateOrUpdate',
      kind: 'server-error',
      commit: true,
      times: 3,
    });
    await expect(h.backend.start([launch()])).rejects.toMatchObject({
      code: 'SERVER_ERROR',
      kind: 'transient',
    });
    expect(h.emulator.resources()).toHaveLength(1);
    // The durable retry runs the activity again: same name, found, nothing new is made.
    const [again] = await h.backend.start([launch()]);
    expect(again?.created).toBe(false);
    expect(h.emulator.resources()).toHaveLength(1);
  });

  it('a second attempt is a second group; listManaged finds both by tags; deleteManaged removes them', async () => {
    await h.backend.start([launch(), launch({ attempt: 2 })]);
    // A group still provisioning refuses deletes (409 transitioning: transient, retried later).
    await expect(h.backend.release(launch())).rejects.toMatchObject({
      code: 'TRANSITIONING',
      kind: 'transient',
    });
    await advance(10_000);
    const managed = await h.backend.listManaged();
    expect(managed.map((m) => [m.runId, m.image, m.step, m.attempt]).sort()).toEqual([
      ['run-1', 'img-001', 'tile', 1],
      ['run-1', 'img-001', 'tile', 2],
    ]);
    expect(managed.every((m) => m.backend === 'aci' && m.expiresAt)).toBe(true);
    for (const m of managed) await h.backend.deleteManaged(m);
    await h.backend.deleteManaged(managed[0] ?? ({} as never));
    expect(h.emulator.resources()).toEqual([]);
  });

  it('keep moves the expiry tag', async () => {
    await h.backend.start([launch()]);
    await h.backend.keep(launch(), '2030-01-01T00:00:00.000Z');
    expect(h.emulator.resources()[0]?.tags.expiry).toBe('2030-01-01T00:00:00.000Z');
  });

  it('happy path with completion as an event: at most 2 writes and 3 reads per step', async () => {
    await h.backend.start([launch()]);
    await advance(120_000);
    // The callback brings the exit code; the orchestration reads the final status, saves logs, releases.
    expect((await h.backend.status(launch())).state).toBe('succeeded');
    await h.backend.saveLogs(launch());
    await h.backend.release(launch());
    const counts = h.counts();
    const writes = (counts.ContainerGroups_CreateOrUpdate ?? 0) + (counts.ContainerGroups_Delete ?? 0);
    const reads =
      (counts.ContainerGroups_Get ?? 0) +
      (counts.AsyncOperation_Get ?? 0) +
      (counts.Containers_ListLogs ?? 0);
    expect([writes, reads]).toEqual([2, 3]);
    expect(Object.keys(counts).sort()).toEqual([
      'AsyncOperation_Get',
      'ContainerGroups_CreateOrUpdate',
      'ContainerGroups_Delete',
      'ContainerGroups_Get',
      'Containers_ListLogs',
    ]);
  });
});
