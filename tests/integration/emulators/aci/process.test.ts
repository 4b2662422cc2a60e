import type { ContainerGroup, ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AciEmulator } from '../../../../packages/emulators/aci';
import { aciClient, startTestAciEmulator } from '../../../support/aci-client';
import { aContainer, aGroup, anInitContainer } from './builders';
import { waitFor } from '../../../support/wait-for';

/** Polls GET until the group's containers are all terminated (real processes run in real time). */
async function waitForState(
  client: ContainerInstanceManagementClient,
  name: string,
  done: (g: ContainerGroup) => boolean,
): Promise<ContainerGroup> {
  return waitFor(
    async () => {
      const group = await client.containerGroups.get('rg1', name);
      return done(group) ? group : undefined;
    },
    { what: `container group ${name} to reach the expected state`, timeoutMs: 30_000, intervalMs: 25 },
  );
}

const finished = (g: ContainerGroup) =>
  g.instanceView?.state === 'Succeeded' || g.instanceView?.state === 'Failed';

describe('ACI emulator: containers really run as local processes', () => {
  let emulator: AciEmulator;
  let client: ContainerInstanceManagementClient;
  const stager = mkdtempSync(join(tmpdir(), 'flotilla-stager-'));
  const workRoot = mkdtempSync(join(tmpdir(), 'flotilla-aci-proc-'));
  const groupFolders = (name: string) => readdirSync(workRoot).filter((f) => f.startsWith(`${name}-`));

  beforeAll(async () => {
    writeFileSync(
      join(stager, 'stage-in.sh'),
      'mkdir -p "$ROOT/in" && echo "payload-$RUN" > "$ROOT/in/data.txt" && echo staged\n',
    );
    emulator = await startTestAciEmulator({
      mode: 'process',
      workRoot,
      provisioningMs: 20,
      imageMounts: { 'flotilla/stager:*': { '/opt/flotilla': stager } },
    });
    client = await aciClient(emulator);
  });
  afterAll(() => emulator.stop());

  it('runs the init container to completion first, sharing an emptyDir with the main container', async () => {
    const mount = [{ name: 'flotilla', mountPath: '/flotilla' }];
    await client.containerGroups.beginCreateOrUpdateAndWait(
      'rg1',
      'cg-proc',
      aGroup({
        volumes: [{ name: 'flotilla', emptyDir: {} }],
        initContainers: [
          anInitContainer('stage-in', {
            command: ['/bin/sh', '/opt/flotilla/stage-in.sh'],
            // Files are not rewritten: a script reaches container paths through argv or env, which are.
            environmentVariables: [
              { name: 'RUN', value: 'r42' },
              { name: 'ROOT', value: '/flotilla' },
            ],
            volumeMounts: mount,
          }),
        ],
        containers: [
          aContainer('step', {
            command: [
              '/bin/sh',
              '-c',
              'cat /flotilla/in/data.txt; test "$TOKEN" = "tok-s3cret" && echo token-ok; echo result > /flotilla/out.txt; exit 4',
            ],
            environmentVariables: [{ name: 'TOKEN', secureValue: 'tok-s3cret' }],
            volumeMounts: mount,
          }),
        ],
      }),
      { updateIntervalInMs: 5 },
    );
    const group = await waitForState(client, 'cg-proc', finished);
    const [init] = group.initContainers ?? [];
    const [step] = group.containers;
    expect(init?.instanceView?.currentState).toMatchObject({ state: 'Terminated', exitCode: 0 });
    expect(step?.instanceView?.currentState).toMatchObject({
      state: 'Terminated',
      exitCode: 4,
      detailStatus: 'Error',
    });
    expect(step!.instanceView!.currentState!.startTime!.getTime()).toBeGreaterThanOrEqual(
      init!.instanceView!.currentState!.finishTime!.getTime(),
    );
    expect(group.instanceView?.state).toBe('Failed');
    expect((await client.containers.listLogs('rg1', 'cg-proc', 'stage-in')).content).toBe('staged\n');
    expect((await client.containers.listLogs('rg1', 'cg-proc', 'step')).content).toBe(
      'payload-r42\ntoken-ok\n',
    );
    const stamped = await client.containers.listLogs('rg1', 'cg-proc', 'step', { timestamps: true, tail: 1 });
    expect(stamped.content).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z token-ok\n$/);
  });

  it('keeps only the last 1,000 lines and 16 KB of a container log once it stops', async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(
      'rg1',
      'cg-logs',
      aGroup({
        containers: [
          aContainer('many', { command: ['/bin/sh', '-c', 'seq 1 3000; exec sleep 30'] }),
          aContainer('wide', {
            command: [
              'node',
              '-e',
              'for (let i = 0; i < 200; i++) console.log(String(i).padStart(4, "0") + "x".repeat(195))',
            ],
          }),
        ],
      }),
      { updateIntervalInMs: 5 },
    );
    const running = await waitFor(
      async () => {
        const content = (await client.containers.listLogs('rg1', 'cg-logs', 'many')).content ?? '';
        return content.endsWith('3000\n') ? content : undefined;
      },
      { what: 'the 3000th log line', timeoutMs: 30_000, intervalMs: 20 },
    );
    expect(running.split('\n')).toHaveLength(3001);
    expect((await client.containers.listLogs('rg1', 'cg-logs', 'many', { tail: 2 })).content).toBe(
      '2999\n3000\n',
    );
    await waitForState(
      client,
      'cg-logs',
      (g) => g.containers[1]?.instanceView?.currentState?.state === 'Terminated',
    );
    const wide = (await client.containers.listLogs('rg1', 'cg-logs', 'wide')).content ?? '';
    expect(Buffer.byteLength(wide)).toBeLessThanOrEqual(16 * 1024);
    expect(wide.endsWith(`0199${'x'.repeat(195)}\n`)).toBe(true);
    expect(wide.split('\n')[0]).toMatch(/^\d{4}x{195}$/);
    await client.containerGroups.stop('rg1', 'cg-logs');
    const stopped = (await client.containers.listLogs('rg1', 'cg-logs', 'many')).content ?? '';
    expect(stopped.split('\n').slice(0, 2)).toEqual(['2001', '2002']);
    expect(stopped.endsWith('3000\n')).toBe(true);
    const group = await client.containerGroups.get('rg1', 'cg-logs');
    expect(group.instanceView?.state).toBe('Stopped');
    expect(group.containers[0]?.instanceView?.currentState).toMatchObject({
      state: 'Terminated',
      exitCode: 137,
    });
  });

  it('removes the working folder of a deleted group and reports a missing command as exit 127', async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(
      'rg1',
      'cg-missing',
      aGroup({ containers: [aContainer('step', { command: ['/no/such/program'] })] }),
      { updateIntervalInMs: 5 },
    );
    const group = await waitForState(client, 'cg-missing', finished);
    expect(group.containers[0]?.instanceView?.currentState?.exitCode).toBe(127);
    expect((await client.containers.listLogs('rg1', 'cg-missing', 'step')).content).toContain('not found');
    expect(groupFolders('cg-missing')).toHaveLength(1);
    await client.containerGroups.beginDeleteAndWait('rg1', 'cg-missing');
    expect(groupFolders('cg-missing')).toHaveLength(0);
    expect(emulator.resources().map((r) => r.name)).not.toContain('cg-missing');
  });
});
