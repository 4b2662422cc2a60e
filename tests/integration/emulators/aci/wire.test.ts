import type { AciEmulator } from '../../../../packages/emulators/aci';
import {
  aciClient,
  rawRequest,
  startTestAciEmulator,
  staticCredential,
  TEST_SUBSCRIPTION,
  unsignedJwt,
} from '../../../support/aci-client';
import { aGroup, failure } from './builders';

const groupPath = (name: string, version = '2023-05-01') =>
  `/subscriptions/${TEST_SUBSCRIPTION}/resourceGroups/rg1/providers/Microsoft.ContainerInstance/containerGroups/${name}?api-version=${version}`;

const validBody = () => ({
  location: 'eastus',
  properties: {
    osType: 'Linux',
    restartPolicy: 'Never',
    containers: [
      {
        name: 'c',
        properties: {
          image: 'busybox',
          command: ['true'],
          resources: { requests: { cpu: 1, memoryInGB: 1 } },
        },
      },
    ],
  },
});

describe('ACI emulator: authentication, api-version, routing and body validation', () => {
  let emulator: AciEmulator;

  beforeAll(async () => {
    emulator = await startTestAciEmulator({ provisioningMs: 10 });
  });
  afterAll(() => emulator.stop());

  it('rejects a token for another audience through the real SDK with 401 InvalidAuthenticationTokenAudience', async () => {
    const client = await aciClient(emulator, {
      credential: staticCredential('https://batch.core.windows.net/'),
    });
    const error = await failure(client.containerGroups.get('rg1', 'any'));
    expect(error).toMatchObject({ statusCode: 401, code: 'InvalidAuthenticationTokenAudience' });
    expect(error.message).toContain("wrong audience or resource 'https://batch.core.windows.net/'");
  });

  it('accepts both ARM audiences', async () => {
    for (const audience of ['https://management.azure.com/', 'https://management.core.windows.net/']) {
      const client = await aciClient(emulator, { credential: staticCredential(audience) });
      await expect(client.containerGroups.get('rg1', 'missing')).rejects.toMatchObject({
        statusCode: 404,
        code: 'ResourceNotFound',
      });
    }
  });

  it.each([
    ['no Authorization header', null, 'AuthenticationFailed'],
    ['a token that is not a JWT', 'not-a-jwt', 'InvalidAuthenticationToken'],
    ['an expired token', unsignedJwt('https://management.azure.com/', -60), 'ExpiredAuthenticationToken'],
  ] as const)('answers 401 for %s', async (_what, token, code) => {
    const res = await rawRequest(emulator, 'GET', groupPath('x'), { token });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: { code } });
  });

  it('rejects other api-versions with 400 NoRegisteredProviderFound and a missing one with MissingApiVersionParameter', async () => {
    const wrong = await rawRequest(emulator, 'GET', groupPath('x', '2021-09-01'));
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ error: { code: 'NoRegisteredProviderFound' } });
    expect((wrong.body as { error: { message: string } }).error.message).toContain(
      "The supported api-versions are '2023-05-01'",
    );
    const missing = await rawRequest(emulator, 'GET', groupPath('x').split('?')[0]!);
    expect(missing.body).toMatchObject({ error: { code: 'MissingApiVersionParameter' } });
  });

  it('matches fixed path segments case-insensitively and names case-insensitively', async () => {
    expect((await rawRequest(emulator, 'PUT', groupPath('cased'), { body: validBody() })).status).toBe(201);
    const odd = `/SUBSCRIPTIONS/${TEST_SUBSCRIPTION}/resourcegroups/RG1/providers/microsoft.containerinstance/CONTAINERGROUPS/Cased?api-version=2023-05-01`;
    const res = await rawRequest(emulator, 'GET', odd);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'cased', type: 'Microsoft.ContainerInstance/containerGroups' });
    const unknown = await rawRequest(
      emulator,
      'GET',
      `/subscriptions/${TEST_SUBSCRIPTION}/providers/Microsoft.Compute/virtualMachines?api-version=2023-05-01`,
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: 'InvalidResourceType' } });
  });

  it('answers 400 InvalidRequestContent naming each bad field, and records the validation failure', async () => {
    const body = validBody() as { properties: Record<string, unknown> } & Record<string, unknown>;
    const bad = {
      ...body,
      properties: {
        ...body.properties,
        provisioningState: 'Succeeded',
        containers: [
          { name: 'Bad_Name', properties: { image: 'busybox', resources: { requests: { cpu: '1' } } } },
        ],
      },
    };
    const res = await rawRequest(emulator, 'PUT', groupPath('invalid'), { body: bad });
    expect(res.status).toBe(400);
    const error = (res.body as { error: { code: string; details: { message: string }[] } }).error;
    expect(error.code).toBe('InvalidRequestContent');
    expect(error.details.map((d) => d.message)).toEqual([
      'body.properties.containers[0].properties.resources.requests.memoryInGB: is required by ResourceRequests',
      'body.properties.containers[0].properties.resources.requests.cpu: must be number, got string',
      'body.properties.containers[0].name: "Bad_Name" must be 1-63 lowercase letters, digits or \'-\', not first or last',
    ]);
    const recorded = emulator.validationFailures().filter((r) => r.path.endsWith('/invalid'));
    expect(recorded).toHaveLength(1);
    expect(recorded[0]?.validationErrors).toHaveLength(3);
    const notJson = await rawRequest(emulator, 'PUT', groupPath('invalid'), { body: '{"location":' });
    expect(notJson.status).toBe(400);
    expect(notJson.body).toMatchObject({ error: { code: 'InvalidRequestContent' } });
  });

  it('validates every body the SDK sends (no validation failures from SDK calls)', async () => {
    emulator.recorder.clear();
    const client = await aciClient(emulator);
    await client.containerGroups.beginCreateOrUpdateAndWait('rg1', 'sdk-body', aGroup(), {
      updateIntervalInMs: 5,
    });
    await client.containerGroups.update('rg1', 'sdk-body', { tags: { a: 'b' } });
    expect(emulator.recorder.all().map((r) => r.operation)).toContain('ContainerGroups_CreateOrUpdate');
    expect(emulator.validationFailures()).toEqual([]);
  });

  it('enforces ARM tag limits on PATCH (50 tags, values up to 256 characters)', async () => {
    const client = await aciClient(emulator);
    await client.containerGroups.beginCreateOrUpdateAndWait('rg1', 'tagged', aGroup(), {
      updateIntervalInMs: 5,
    });
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, 'v']));
    const error = await failure(client.containerGroups.update('rg1', 'tagged', { tags: many }));
    expect(error).toMatchObject({ statusCode: 400, code: 'InvalidRequestContent' });
    expect(error.message).toContain('body.tags: 51 tags; at most 50 are allowed');
    await expect(
      client.containerGroups.update('rg1', 'tagged', { tags: { long: 'x'.repeat(257) } }),
    ).rejects.toMatchObject({
      statusCode: 400,
    });
    expect((await client.containerGroups.get('rg1', 'tagged')).tags).toEqual({ runId: 'r1' });
  });

  it('answers exec and attach with a websocket URI, and 404 ContainerNotFound for an unknown container', async () => {
    const client = await aciClient(emulator);
    await client.containerGroups.beginCreateOrUpdateAndWait('rg1', 'execd', aGroup(), {
      updateIntervalInMs: 5,
    });
    const exec = await client.containers.executeCommand('rg1', 'execd', 'step', {
      command: '/bin/sh',
      terminalSize: { rows: 12, cols: 80 },
    });
    expect(exec.webSocketUri).toMatch(/^wss:\/\/.*\/exec\/execd\/step$/);
    expect((await client.containers.attach('rg1', 'execd', 'step')).webSocketUri).toMatch(
      /\/attach\/execd\/step$/,
    );
    await expect(client.containers.listLogs('rg1', 'execd', 'nope')).rejects.toMatchObject({
      statusCode: 404,
      code: 'ContainerNotFound',
    });
  });

  it('answers 404 ResourceGroupNotFound when resource groups are configured', async () => {
    const scoped = await startTestAciEmulator({ resourceGroups: ['rg-known'] });
    try {
      const client = await aciClient(scoped);
      await expect(client.containerGroups.get('rg-other', 'g')).rejects.toMatchObject({
        statusCode: 404,
        code: 'ResourceGroupNotFound',
      });
      await expect(
        client.containerGroups.beginCreateOrUpdateAndWait('RG-KNOWN', 'g', aGroup(), {
          updateIntervalInMs: 5,
        }),
      ).resolves.toMatchObject({
        provisioningState: 'Succeeded',
      });
    } finally {
      await scoped.stop();
    }
  });
});
