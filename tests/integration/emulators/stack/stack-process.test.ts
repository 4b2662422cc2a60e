import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { BatchServiceClient, BatchSharedKeyCredentials } from '@azure/batch';
import type { TokenCredential } from '@azure/core-auth';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintToken, SYSTEM_IDENTITY } from '../../../../packages/emulators/identity';
import { LOCAL_STAGER_IMAGE, type Stack, startStack } from '../../../../packages/emulators/stack';
import { trustCertificate } from '../../../../packages/emulators/stack/tls';
import { waitFor } from '../../../support/wait-for';

/** Process mode: steps really run as local processes, in work folders under the state folder. */
let stack: Stack;
let stateDir: string;
let untrust: () => void;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'flotilla-stack-proc-'));
  stack = await startStack({ stateDir, mode: 'process', aci: { provisioningMs: 20 } });
  untrust = trustCertificate(stack.certificate.cert);
});

afterAll(async () => {
  untrust?.();
  await stack?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

/** Polls until `probe` gives a value; real processes run here, so this waits on the wall clock (30 s cap). */
const until = <T>(probe: () => Promise<T | undefined>): Promise<T> =>
  waitFor(probe, { what: 'the condition', timeoutMs: 30_000, intervalMs: 25 });

test('an ACI container runs as a process and reports its exit code', async () => {
  const armToken: TokenCredential = {
    getToken: () => {
      const { token, claims } = mintToken('https://management.azure.com/', SYSTEM_IDENTITY, Date.now(), 3600);
      return Promise.resolve({ token, expiresOnTimestamp: claims.exp * 1000 });
    },
  };
  const client = new ContainerInstanceManagementClient(armToken, stack.settings.FLOTILLA_SUBSCRIPTION_ID, {
    endpoint: stack.settings.FLOTILLA_ARM_ENDPOINT,
    credentialScopes: ['https://management.azure.com/.default'],
  });
  const rg = stack.settings.FLOTILLA_RESOURCE_GROUP;
  await client.containerGroups.beginCreateOrUpdate(rg, 'proc-cg', {
    location: stack.settings.FLOTILLA_LOCATION,
    osType: 'Linux',
    restartPolicy: 'Never',
    containers: [
      {
        name: 'step',
        image: 'busybox',
        command: ['/bin/sh', '-c', 'exit 3'],
        resources: { requests: { cpu: 1, memoryInGB: 1 } },
      },
    ],
  });
  const exitCode = await until(async () => {
    const state = (await client.containerGroups.get(rg, 'proc-cg')).containers[0]?.instanceView?.currentState;
    return state?.state === 'Terminated' ? state.exitCode : undefined;
  });
  expect(exitCode).toBe(3);
  expect(stack.settings.FLOTILLA_STAGER_IMAGE).toBe(LOCAL_STAGER_IMAGE);
});

test('a Batch task runs as a process on the default pool', async () => {
  const client = new BatchServiceClient(
    new BatchSharedKeyCredentials(
      stack.settings.FLOTILLA_EMULATOR_BATCH_ACCOUNT,
      stack.settings.FLOTILLA_EMULATOR_BATCH_KEY,
    ),
    stack.settings.FLOTILLA_BATCH_URL,
  );
  await client.job.add({ id: 'proc-job', poolInfo: { poolId: stack.settings.FLOTILLA_BATCH_POOL_ID } });
  await client.task.add('proc-job', {
    id: 'exit-5',
    commandLine: "/bin/sh -c 'exit 5'",
    containerSettings: { imageName: 'busybox' },
  });
  const exitCode = await until(async () => {
    const task = await client.task.get('proc-job', 'exit-5');
    return task.state === 'completed' ? task.executionInfo?.exitCode : undefined;
  });
  expect(exitCode).toBe(5);
});
