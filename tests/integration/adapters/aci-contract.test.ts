import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniqueContainerName } from '../../support/azurite';
import { aLaunch } from '../../unit/compute/launch-builder';
import { type AciHarness, STAGER_IMAGE, aciHarness } from './aci-harness';
import {
  STEP_COMMAND,
  type CallbackReceiver,
  callbackReceiver,
  compileStager,
  eventually,
} from './contract-support';
import { testBlobStore } from './support';

/**
 * The step contract on ACI, really run: the emulator runs stage-in, the user's command and stage-out as local
 * processes sharing an emptyDir at /flotilla, the stager from src/stager (compiled) as the stager image.
 */
describe('ACI step contract, run as local processes', () => {
  const store = testBlobStore();
  const container = uniqueContainerName('aci-contract');
  let h: AciHarness;
  let callback: CallbackReceiver;

  beforeAll(async () => {
    callback = await callbackReceiver();
    const stager = compileStager(mkdtempSync(join(tmpdir(), 'flotilla-stager-')));
    h = await aciHarness({
      mode: 'process',
      provisioningMs: 50,
      imageMounts: { [STAGER_IMAGE]: { '/opt/flotilla': stager } },
      callbackUrl: callback.url,
    });
    await store.putText(container, 'inputs/img-7/scene.txt', 'hello flotilla');
  });
  afterAll(async () => {
    await h.emulator.stop();
    await callback.close();
  });

  it('stages in, runs the command, uploads /flotilla/out/** and calls back with the exit code', async () => {
    const launch = aLaunch({
      runId: 'contract-1',
      imageKey: 'img-7',
      containerImage: 'busybox:1.36',
      command: STEP_COMMAND,
      inputs: [{ container, blob: 'inputs/img-7/scene.txt' }],
      outputs: { container, prefix: 'runs/contract-1/img-7/upper' },
      logs: { container, prefix: 'runs/contract-1/img-7/upper/logs' },
    });
    await h.backend.start([launch]);
    expect(await callback.next(20_000)).toEqual({ exitCode: 0 });
    const status = await eventually(
      () => h.backend.status(launch),
      (s) => s.state === 'succeeded' || s.state === 'failed',
    );
    expect(status).toMatchObject({ state: 'succeeded', exitCode: 0 });
    expect(await store.getText(container, 'runs/contract-1/img-7/upper/upper.txt')).toBe('HELLO FLOTILLA');
    expect(await store.getText(container, 'runs/contract-1/img-7/upper/meta/size.txt')).toBe('14\n');
    await h.backend.saveLogs(launch, { includeStagers: true });
    expect(await store.getText(container, 'runs/contract-1/img-7/upper/logs/step.log')).toContain(
      'step done for img-7',
    );
    const stagerLogs = `${await store.getText(container, 'runs/contract-1/img-7/upper/logs/stage-in.log')}${await store.getText(container, 'runs/contract-1/img-7/upper/logs/stage-out.log')}`;
    expect(stagerLogs).toContain('stage-in: scene.txt (14 bytes)');
    expect(stagerLogs).toContain('stage-out: 2 file(s) uploaded');
    expect(stagerLogs).not.toMatch(/sig=|TOKEN/);
    await h.backend.release(launch);
    expect(h.emulator.resources()).toEqual([]);
    expect(h.emulator.validationFailures()).toEqual([]);
  });

  it('reports a failing command: callback and status carry its exit code, partial outputs are kept', async () => {
    callback.received.length = 0;
    const launch = aLaunch({
      runId: 'contract-2',
      imageKey: 'img-7',
      containerImage: 'busybox:1.36',
      command: 'echo partial > /flotilla/out/partial.txt; exit 3',
      inputs: [],
      outputs: { container, prefix: 'runs/contract-2' },
      logs: { container, prefix: 'runs/contract-2/logs' },
    });
    await h.backend.start([launch]);
    expect(await callback.next(20_000)).toEqual({ exitCode: 3 });
    const status = await eventually(
      () => h.backend.status(launch),
      (s) => s.state === 'failed' || s.state === 'succeeded',
    );
    expect(status).toMatchObject({ state: 'failed', exitCode: 3 });
    expect(await store.getText(container, 'runs/contract-2/partial.txt')).toBe('partial\n');
    await h.backend.release(launch);
  });
});
