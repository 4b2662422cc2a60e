import type { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AciEmulator } from '../../../../packages/emulators/aci';
import { aciClient, rawRequest, startTestAciEmulator, TEST_SUBSCRIPTION } from '../../../support/aci-client';
import { aContainer, aGroup, failure } from './builders';

const FIXTURES = join(__dirname, '../../../fixtures/rest-examples/aci');
const groupPath = (rg: string, name: string) =>
  `/subscriptions/${TEST_SUBSCRIPTION}/resourceGroups/${rg}/providers/Microsoft.ContainerInstance/containerGroups/${name}?api-version=2023-05-01`;

type ArmBody = { error: { code: string; message: string; details?: { message: string; target?: string }[] } };

describe('ACI emulator: ARM fidelity for requests nobody here wrote', () => {
  let emulator: AciEmulator;
  let client: ContainerInstanceManagementClient;
  beforeAll(async () => {
    emulator = await startTestAciEmulator({ provisioningMs: 10, resourceGroups: ['rg1', 'demo'] });
    client = await aciClient(emulator);
  });
  afterAll(() => emulator.stop());

  it('answers 404 ResourceGroupNotFound until the admin API creates the resource group', async () => {
    const missing = await failure(client.containerGroups.get('rg-new', 'x'));
    expect([missing.statusCode, missing.code]).toEqual([404, 'ResourceGroupNotFound']);
    const raw = await rawRequest(emulator, 'PUT', groupPath('rg-new', 'x'), { body: aGroup() });
    expect(raw.body).toEqual({
      error: { code: 'ResourceGroupNotFound', message: "Resource group 'rg-new' could not be found." },
    });
    const created = await rawRequest(emulator, 'PUT', '/__admin/resourcegroups/rg-new', { token: null });
    expect(created.status).toBe(201);
    const listed = await rawRequest(emulator, 'GET', '/__admin/resourcegroups', { token: null });
    expect(listed.body).toEqual({ resourceGroups: ['rg1', 'demo', 'rg-new'] });
    await client.containerGroups.beginCreateOrUpdateAndWait('RG-NEW', 'x', aGroup(), {
      updateIntervalInMs: 5,
    });
    expect((await client.containerGroups.get('rg-new', 'x')).name).toBe('x');
    const bad = await rawRequest(emulator, 'PUT', '/__admin/resourcegroups/ends.', { token: null });
    expect([bad.status, (bad.body as ArmBody).error.code]).toEqual([400, 'InvalidResourceGroupName']);
    expect(
      (await rawRequest(emulator, 'DELETE', '/__admin/resourcegroups/rg-new', { token: null })).status,
    ).toBe(204);
    expect((await failure(client.containerGroups.get('rg-new', 'x'))).code).toBe('ResourceGroupNotFound');
  });

  it.each([
    [
      'osType',
      { osType: 'Solaris' },
      'InvalidOsType',
      "The 'osType' for container group 'e1' is invalid. The value must be one of 'Windows,Linux'.",
    ],
    [
      'restartPolicy',
      { restartPolicy: 'Sometimes' },
      'InvalidRequestContent',
      'properties.restartPolicy: "Sometimes" is not a valid value; expected one of Always, OnFailure, Never',
    ],
    [
      'sku',
      { sku: 'Premium' },
      'InvalidRequestContent',
      'properties.sku: "Premium" is not a valid value; expected one of Standard, Dedicated, Confidential',
    ],
    [
      'ipAddress.type',
      { ipAddress: { type: 'Internal', ports: [{ port: 80 }] } },
      'InvalidRequestContent',
      'properties.ipAddress.type: "Internal" is not a valid value; expected one of Public, Private',
    ],
    [
      'ports[].protocol',
      { ipAddress: { type: 'Public', ports: [{ port: 80, protocol: 'SCTP' }] } },
      'InvalidRequestContent',
      'properties.ipAddress.ports[0].protocol: "SCTP" is not a valid value; expected one of TCP, UDP',
    ],
    [
      'container ports protocol',
      { containers: [aContainer('step', { ports: [{ port: 80, protocol: 'ICMP' }] })] },
      'InvalidRequestContent',
      'properties.containers[0].properties.ports[0].protocol: "ICMP" is not a valid value; expected one of TCP, UDP',
    ],
    [
      'empty ipAddress ports',
      { ipAddress: { type: 'Public', ports: [] } },
      'MissingIpAddressPorts',
      "The ports in the 'ipAddress' of container group 'e1' cannot be empty.",
    ],
    [
      'private IP without subnet',
      { ipAddress: { type: 'Private', ports: [{ port: 80 }] } },
      'PrivateIPAddressNotSupported',
      'only supported when subnetIds',
    ],
    [
      'missing requests',
      { containers: [aContainer('step', { resources: {} as never })] },
      'ResourceRequestsNotSpecified',
      "The resource requests are not specified in container 'step' of container group 'e1'.",
    ],
  ])('refuses %s as ARM does', async (_what, overrides, code, message) => {
    const e = await failure(
      client.containerGroups.beginCreateOrUpdateAndWait('rg1', 'e1', aGroup(overrides), {
        updateIntervalInMs: 5,
      }),
    );
    expect([e.statusCode, e.code]).toEqual([400, code]);
    expect(e.message).toContain(message);
    const recorded = emulator.validationFailures().at(-1);
    expect(recorded?.validationErrors?.[0]).toContain(code);
  });

  it('refuses a container without a memory request (ResourceSomeRequestsNotSpecified; the SDK refuses it too)', async () => {
    const body = {
      location: 'eastus',
      properties: {
        osType: 'Linux',
        containers: [{ name: 'step', properties: { image: 'nginx', resources: { requests: { cpu: 1 } } } }],
      },
    };
    const res = await rawRequest(emulator, 'PUT', groupPath('rg1', 'nomem'), { body });
    expect(res.status).toBe(400);
    expect((res.body as ArmBody).error).toMatchObject({
      code: 'ResourceSomeRequestsNotSpecified',
      message: expect.stringContaining("The 'memoryInGB' request is not specified in container 'step'"),
    });
  });

  it('accepts enum values case-insensitively, as ARM deserializes them', async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(
      'rg1',
      'cased',
      aGroup({ osType: 'linux', restartPolicy: 'onfailure', sku: 'standard' }),
      { updateIntervalInMs: 5 },
    );
    expect((await client.containerGroups.get('rg1', 'cased')).restartPolicy).toBe('onfailure');
  });

  it('fills in what ARM fills in: defaults, empty arrays, port protocols, FQDN and a normalized location', async () => {
    const body = {
      location: 'West Europe',
      properties: {
        osType: 'Linux',
        containers: [
          { name: 'web', properties: { image: 'nginx', resources: { requests: { cpu: 1, memoryInGB: 1 } } } },
        ],
        ipAddress: { type: 'Public', dnsNameLabel: 'flotilla-demo', ports: [{ port: 80 }] },
      },
    };
    const put = await rawRequest(emulator, 'PUT', groupPath('rg1', 'filled'), { body });
    expect(put.status).toBe(201);
    const got = await client.containerGroups.get('rg1', 'filled');
    expect(got).toMatchObject({
      id: `/subscriptions/${TEST_SUBSCRIPTION}/resourceGroups/rg1/providers/Microsoft.ContainerInstance/containerGroups/filled`,
      type: 'Microsoft.ContainerInstance/containerGroups',
      location: 'westeurope',
      osType: 'Linux',
      sku: 'Standard',
      restartPolicy: 'Always',
      initContainers: [],
      ipAddress: {
        fqdn: 'flotilla-demo.westeurope.azurecontainer.io',
        ports: [{ port: 80, protocol: 'TCP' }],
      },
    });
    expect(got.containers[0]).toMatchObject({ command: [], environmentVariables: [], ports: [] });
    expect(got.provisioningState).toBeDefined();
    expect(got.instanceView?.state).toBeDefined();
  });

  it('drives the published extensions example: accepted, protectedSettings never returned (PUT, GET, LIST, operation)', async () => {
    const example = JSON.parse(
      readFileSync(
        join(FIXTURES, 'ContainerGroups_CreateOrUpdate_Container_Group_Create_With_Extensions.json'),
        'utf8',
      ),
    ) as { parameters: { containerGroup: unknown }; responses: { '201': { body: Record<string, unknown> } } };
    const secret = '<kubeconfig encoded string>';
    const put = await rawRequest(emulator, 'PUT', groupPath('demo', 'demo1'), {
      body: example.parameters.containerGroup,
    });
    expect(put.status).toBe(201);
    expect(put.text).not.toContain(secret);
    const expected = example.responses['201'].body as {
      properties: Record<string, unknown>;
      type: string;
      location: string;
    };
    expect(put.body).toMatchObject({
      type: expected.type,
      location: expected.location,
      properties: {
        extensions: expected.properties.extensions,
        osType: 'Linux',
        sku: 'Standard',
        initContainers: [],
        imageRegistryCredentials: [],
        subnetIds: expected.properties.subnetIds,
        provisioningState: 'Pending',
      },
    });
    const operation = String(put.headers['azure-asyncoperation']).replace(emulator.url, '');
    const texts = [
      (await rawRequest(emulator, 'GET', groupPath('demo', 'demo1'))).text,
      (await rawRequest(emulator, 'GET', groupPath('demo', '').replace('/?', '?'))).text,
      (await rawRequest(emulator, 'GET', operation)).text,
      JSON.stringify(await client.containerGroups.get('demo', 'demo1')),
    ];
    for (const text of texts) expect(text).not.toContain(secret);
    expect(texts[0]).toContain('kube-proxy');
    expect(texts[1]).toContain('demo1');
  });
});
