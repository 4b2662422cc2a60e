import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { BatchServiceClient, BatchSharedKeyCredentials } from '@azure/batch';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateAciBody, validateBatchBody } from '../../../../packages/emulators/common/mapper-schema';
import { mintToken, SYSTEM_IDENTITY } from '../../../../packages/emulators/identity';
import { type Stack, startStack } from '../../../../packages/emulators/stack';
import { trustCertificate } from '../../../../packages/emulators/stack/tls';

/**
 * The emulators' own answers must fit the schemas derived from the SDK mappers, so they cannot drift from
 * what the real services send (docs/emulators.md, 'Request-body schemas'). Raw JSON is fetched next to the
 * SDK calls that create the resources.
 */
let stack: Stack;
let stateDir: string;
let untrust: () => void;
const armToken = () => mintToken('https://management.azure.com/', SYSTEM_IDENTITY, Date.now(), 3600).token;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'flotilla-conformance-'));
  stack = await startStack({
    stateDir,
    mode: 'simulate',
    aci: { provisioningMs: 20, simulate: () => ({ durationMs: 10, exitCode: 0 }) },
    batch: { simulate: { durationMs: 10, exitCode: 0 } },
  });
  untrust = trustCertificate(stack.certificate.cert);
});

afterAll(async () => {
  untrust?.();
  await stack?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

test('container group GET and list responses validate as ContainerGroup', async () => {
  const s = stack.settings;
  const client = new ContainerInstanceManagementClient(
    { getToken: () => Promise.resolve({ token: armToken(), expiresOnTimestamp: Date.now() + 3600_000 }) },
    s.FLOTILLA_SUBSCRIPTION_ID,
    { endpoint: s.FLOTILLA_ARM_ENDPOINT, credentialScopes: ['https://management.azure.com/.default'] },
  );
  await client.containerGroups.beginCreateOrUpdateAndWait(
    s.FLOTILLA_RESOURCE_GROUP,
    'conf-cg',
    {
      location: s.FLOTILLA_LOCATION,
      osType: 'Linux',
      restartPolicy: 'Never',
      containers: [
        {
          name: 'step',
          image: 'busybox',
          environmentVariables: [{ name: 'SECRET', secureValue: 'hush' }],
          resources: { requests: { cpu: 1, memoryInGB: 1 } },
        },
      ],
    },
    { updateIntervalInMs: 10 },
  );
  const base = `${s.FLOTILLA_ARM_ENDPOINT}/subscriptions/${s.FLOTILLA_SUBSCRIPTION_ID}/resourceGroups/${s.FLOTILLA_RESOURCE_GROUP}/providers/Microsoft.ContainerInstance/containerGroups`;
  const headers = { authorization: `Bearer ${armToken()}` };
  const get = await fetch(`${base}/conf-cg?api-version=2023-05-01`, { headers });
  const text = await get.text();
  expect(get.status).toBe(200);
  expect(text).not.toContain('hush');
  const strict = { direction: 'response', unknownProperties: 'reject' } as const;
  expect(validateAciBody('ContainerGroup', JSON.parse(text), strict)).toEqual({ ok: true });
  const list = (await (await fetch(`${base}?api-version=2023-05-01`, { headers })).json()) as {
    value: unknown[];
  };
  expect(list.value.length).toBeGreaterThan(0);
  expect(validateAciBody('ContainerGroupListResult', list, strict)).toEqual({ ok: true });
});

test('Batch job, task and task list responses validate as CloudJob, CloudTask and CloudTaskListResult', async () => {
  const s = stack.settings;
  const client = new BatchServiceClient(
    new BatchSharedKeyCredentials(s.FLOTILLA_EMULATOR_BATCH_ACCOUNT, s.FLOTILLA_EMULATOR_BATCH_KEY),
    s.FLOTILLA_BATCH_URL,
  );
  await client.job.add({ id: 'conf-job', poolInfo: { poolId: s.FLOTILLA_BATCH_POOL_ID } });
  await client.task.add('conf-job', {
    id: 'conf-task',
    commandLine: "/bin/sh -c 'true'",
    containerSettings: { imageName: 'busybox' },
  });
  // Raw bodies through the SDK's own pipeline (shared-key signing), read before deserialization.
  const raw = async (path: string) => {
    const response = await client.sendRequest({
      method: 'GET',
      url: `${s.FLOTILLA_BATCH_URL}${path}?api-version=2022-10-01.16.0`,
    });
    expect(response.status).toBe(200);
    return response.parsedBody as unknown;
  };
  const options = { direction: 'response' } as const;
  expect(validateBatchBody('CloudJob', await raw('/jobs/conf-job'), options)).toEqual({ ok: true });
  expect(validateBatchBody('CloudTask', await raw('/jobs/conf-job/tasks/conf-task'), options)).toEqual({
    ok: true,
  });
  const list = (await raw('/jobs/conf-job/tasks')) as { value: unknown[] };
  expect(list.value).toHaveLength(1);
  expect(validateBatchBody('CloudTaskListResult', list, options)).toEqual({ ok: true });
});
