import type { ContainerGroup, ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ACI_STEP_SCRIPT,
  EXIT_FILE,
  IN_DIR,
  OUT_DIR,
  STAGER_MAIN,
} from '../../../../src/compute/step-script';
import type { AciEmulator } from '../../../../packages/emulators/aci';
import { aciClient, startTestAciEmulator } from '../../../support/aci-client';
import { waitFor } from '../../../support/wait-for';

/** A stand-in for the stager image's program: `in` writes each input's URL into its path; `out` waits for the exit file. */
const STAGER = `
const fs = require('node:fs');
const path = require('node:path');
if (process.argv[2] === 'in') {
  for (const input of JSON.parse(process.env.FLOTILLA_INPUTS)) {
    fs.mkdirSync(path.dirname(input.path), { recursive: true });
    fs.writeFileSync(input.path, 'from ' + new URL(input.url).pathname + '\\n');
  }
  console.log('staged in');
} else {
  const deadline = Date.now() + 10000;
  const wait = () => {
    if (fs.existsSync(process.env.FLOTILLA_EXIT_FILE)) {
      const code = fs.readFileSync(process.env.FLOTILLA_EXIT_FILE, 'utf8').trim();
      const out = process.env.FLOTILLA_OUT_DIR;
      const files = fs.readdirSync(out).map((f) => f + '=' + fs.readFileSync(path.join(out, f), 'utf8').trim());
      console.log('exit ' + code + '; outputs: ' + files.join(','));
    } else if (Date.now() > deadline) process.exit(3);
    else setTimeout(wait, 20);
  };
  wait();
}
`;

describe('ACI emulator: the flotilla step contract runs as local processes', () => {
  let emulator: AciEmulator;
  let client: ContainerInstanceManagementClient;

  beforeAll(async () => {
    const stager = mkdtempSync(join(tmpdir(), 'flotilla-stager-contract-'));
    writeFileSync(join(stager, 'main.js'), STAGER);
    emulator = await startTestAciEmulator({
      mode: 'process',
      provisioningMs: 20,
      imageMounts: { 'flotilla/stager:*': { '/opt/flotilla': stager } },
    });
    client = await aciClient(emulator);
  });
  afterAll(() => emulator.stop());

  it('stage-in, the step script and the stage-out sidecar share /flotilla and finish in order', async () => {
    const mounts = [{ name: 'flotilla', mountPath: '/flotilla' }];
    const group: ContainerGroup = {
      location: 'eastus',
      osType: 'Linux',
      restartPolicy: 'Never',
      volumes: [{ name: 'flotilla', emptyDir: {} }],
      initContainers: [
        {
          name: 'stage-in',
          image: 'flotilla/stager:test',
          command: ['node', STAGER_MAIN, 'in'],
          environmentVariables: [
            {
              name: 'FLOTILLA_INPUTS',
              secureValue: JSON.stringify([{ url: 'https://blob/in/a.tif?sig=x', path: `${IN_DIR}/a.tif` }]),
            },
          ],
          volumeMounts: mounts,
        },
      ],
      containers: [
        {
          name: 'step',
          image: 'user/image:1',
          command: ['/bin/sh', '-c', ACI_STEP_SCRIPT],
          environmentVariables: [
            {
              name: 'FLOTILLA_COMMAND',
              value: `cat ${IN_DIR}/a.tif > ${OUT_DIR}/result.txt && echo step-ran`,
            },
          ],
          resources: { requests: { cpu: 1, memoryInGB: 1 } },
          volumeMounts: mounts,
        },
        {
          name: 'stage-out',
          image: 'flotilla/stager:test',
          command: ['node', STAGER_MAIN, 'out'],
          environmentVariables: [
            { name: 'FLOTILLA_EXIT_FILE', value: EXIT_FILE },
            { name: 'FLOTILLA_OUT_DIR', value: OUT_DIR },
          ],
          resources: { requests: { cpu: 0.25, memoryInGB: 0.5 } },
          volumeMounts: mounts,
        },
      ],
    };
    await client.containerGroups.beginCreateOrUpdateAndWait('rg1', 'contract', group, {
      updateIntervalInMs: 5,
    });
    const done: ContainerGroup = await waitFor(
      async () => {
        const group = await client.containerGroups.get('rg1', 'contract');
        const state = group.instanceView?.state;
        return state === 'Succeeded' || state === 'Failed' ? group : undefined;
      },
      { what: 'the container group to finish', timeoutMs: 30_000, intervalMs: 25 },
    );
    expect(done?.instanceView?.state).toBe('Succeeded');
    expect(done?.containers.map((c) => c.instanceView?.currentState?.exitCode)).toEqual([0, 0]);
    const logs = async (name: string) => (await client.containers.listLogs('rg1', 'contract', name)).content;
    expect(await logs('stage-in')).toBe('staged in\n');
    expect(await logs('step')).toBe('step-ran\n');
    expect(await logs('stage-out')).toBe('exit 0; outputs: result.txt=from /in/a.tif\n');
  });
});
