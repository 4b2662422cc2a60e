import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { BatchServiceClient } from '@azure/batch';
import { ManagedIdentityCredential } from '@azure/identity';
import type { ServiceClientCredentials, WebResourceLike } from '@azure/ms-rest-js';
import { BlobServiceClient } from '@azure/storage-blob';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Stack, startStack } from '../../../../packages/emulators/stack';
import { trustCertificate } from '../../../../packages/emulators/stack/tls';
import { uniqueContainerName } from '../../../support/azurite';
import { waitFor } from '../../../support/wait-for';

/** The whole stack in simulate mode, reached only through the settings it prints and real SDK clients. */
let stack: Stack;
let stateDir: string;
let untrust: () => void;
const savedEnv = {
  IDENTITY_ENDPOINT: process.env.IDENTITY_ENDPOINT,
  IDENTITY_HEADER: process.env.IDENTITY_HEADER,
};

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'flotilla-stack-'));
  const faultFile = join(stateDir, 'faults.json');
  writeFileSync(
    faultFile,
    JSON.stringify({
      rules: [
        { service: 'aci', operation: 'ContainerGroups_CreateOrUpdate', resource: '^full-', kind: 'quota' },
      ],
    }),
  );
  stack = await startStack({
    stateDir,
    mode: 'simulate',
    env: { FLOTILLA_EMULATOR_FAULTS: faultFile },
    aci: { provisioningMs: 20 },
    batch: { simulate: { durationMs: 10, exitCode: 0 } },
  });
  untrust = trustCertificate(stack.certificate.cert);
  process.env.IDENTITY_ENDPOINT = stack.settings.IDENTITY_ENDPOINT;
  process.env.IDENTITY_HEADER = stack.settings.IDENTITY_HEADER;
});

afterAll(async () => {
  untrust?.();
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await stack?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

function armClient(): ContainerInstanceManagementClient {
  return new ContainerInstanceManagementClient(
    new ManagedIdentityCredential(),
    stack.settings.FLOTILLA_SUBSCRIPTION_ID,
    {
      endpoint: stack.settings.FLOTILLA_ARM_ENDPOINT,
      credentialScopes: ['https://management.azure.com/.default'],
    },
  );
}

test('the settings point at loopback HTTPS services and the fault file in use', () => {
  const s = stack.settings;
  expect(s.FLOTILLA_STORAGE_BLOB_URL).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/);
  expect(s.FLOTILLA_ARM_ENDPOINT).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  expect(s.IDENTITY_ENDPOINT).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/msi\/token$/);
  expect(s.NODE_EXTRA_CA_CERTS).toBe(stack.certificate.certFile);
  expect(s.AzureWebJobsStorage).toContain(`BlobEndpoint=${s.FLOTILLA_STORAGE_BLOB_URL};`);
  expect(s.FLOTILLA_EMULATOR_FAULTS).toBe(join(stateDir, 'faults.json'));
  expect(s.FLOTILLA_BATCH_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(s.FLOTILLA_BATCH_POOL_ID).toBe('flotilla');
});

/**
 * Batch with the managed identity: ms-rest-js asks for the wrong audience by itself (docs/emulators-batch.md,
 * 'Token audience').
 */
function batchAad(credential: ManagedIdentityCredential): ServiceClientCredentials {
  return {
    async signRequest(request: WebResourceLike) {
      const token = await credential.getToken('https://batch.core.windows.net//.default');
      request.headers.set('authorization', `Bearer ${token.token}`);
      return request;
    },
  };
}

test('Batch tasks run to completion on the default pool with the managed identity', async () => {
  const client = new BatchServiceClient(
    batchAad(new ManagedIdentityCredential()),
    stack.settings.FLOTILLA_BATCH_URL,
  );
  await client.job.add({ id: 'stack-job', poolInfo: { poolId: stack.settings.FLOTILLA_BATCH_POOL_ID } });
  const added = await client.task.addCollection('stack-job', [
    { id: 't1', commandLine: "/bin/sh -c 'true'", containerSettings: { imageName: 'busybox' } },
    { id: 't2', commandLine: "/bin/sh -c 'true'", containerSettings: { imageName: 'busybox' } },
  ]);
  expect(added.value?.map((r) => r.status)).toEqual(['success', 'success']);
  // Simulated tasks take 10 ms on the wall clock; poll (30 s cap for a loaded machine).
  const states = await waitFor(
    async () => {
      const now = (await client.task.list('stack-job')).map((t) => String(t.state));
      return now.length === 2 && now.every((s) => s === 'completed') ? now : undefined;
    },
    { what: 'both tasks to complete', timeoutMs: 30_000, intervalMs: 25 },
  );
  expect(states).toEqual(['completed', 'completed']);
});

test('a container group runs to completion through ARM with the managed identity', async () => {
  const client = armClient();
  const rg = stack.settings.FLOTILLA_RESOURCE_GROUP;
  const group = await client.containerGroups.beginCreateOrUpdateAndWait(
    rg,
    'stack-cg-1',
    {
      location: stack.settings.FLOTILLA_LOCATION,
      osType: 'Linux',
      restartPolicy: 'Never',
      containers: [
        {
          name: 'step',
          image: 'busybox',
          command: ['true'],
          resources: { requests: { cpu: 1, memoryInGB: 1 } },
        },
      ],
    },
    { updateIntervalInMs: 10 },
  );
  expect(group.provisioningState).toBe('Succeeded');
  expect(stack.aci.resources().map((r) => r.name)).toContain('stack-cg-1');
  await client.containerGroups.beginDeleteAndWait(rg, 'stack-cg-1', { updateIntervalInMs: 10 });
});

test('fault rules from FLOTILLA_EMULATOR_FAULTS reach the ACI emulator', async () => {
  const error = await armClient()
    .containerGroups.beginCreateOrUpdate(stack.settings.FLOTILLA_RESOURCE_GROUP, 'full-1', {
      location: stack.settings.FLOTILLA_LOCATION,
      osType: 'Linux',
      containers: [{ name: 'step', image: 'busybox', resources: { requests: { cpu: 1, memoryInGB: 1 } } }],
    })
    .then(
      () => undefined,
      (e: unknown) => e as { statusCode?: number; code?: string },
    );
  expect(error).toMatchObject({ statusCode: 400, code: 'ContainerGroupQuotaReached' });
});

test('blobs are reached with the managed identity over HTTPS', async () => {
  const service = new BlobServiceClient(
    stack.settings.FLOTILLA_STORAGE_BLOB_URL,
    new ManagedIdentityCredential(),
  );
  const container = service.getContainerClient(uniqueContainerName('stack'));
  await container.create();
  await container.getBlockBlobClient('a.txt').upload('abc', 3);
  expect((await container.getBlockBlobClient('a.txt').downloadToBuffer()).toString()).toBe('abc');
});
