import { buildContainerGroup } from '../../../src/compute/aci/group-body';
import { ACI_STEP_SCRIPT } from '../../../src/compute/step-script';
import { aLaunch, resolvedFixture } from './launch-builder';

const settings = { location: 'westeurope', stagerImage: 'ghcr.io/flotilla/stager:0.1' };
const tags = { 'managed-by': 'flotilla', run: 'run-1' };

describe('ACI container group body', () => {
  const group = buildContainerGroup(aLaunch(), resolvedFixture, settings, tags);
  const step = group.containers.find((c) => c.name === 'step');
  const stageOut = group.containers.find((c) => c.name === 'stage-out');
  const stageIn = group.initContainers?.find((c) => c.name === 'stage-in');

  it('is one group per attempt that never restarts, with an emptyDir at /flotilla in every container', () => {
    expect(group.restartPolicy).toBe('Never');
    expect(group.osType).toBe('Linux');
    expect(group.location).toBe('westeurope');
    expect(group.tags).toEqual(tags);
    expect(group.volumes).toEqual([{ name: 'flotilla', emptyDir: {} }]);
    for (const c of [step, stageOut, stageIn])
      expect(c?.volumeMounts).toEqual([{ name: 'flotilla', mountPath: '/flotilla' }]);
  });

  it("runs the user's command under /bin/sh -c through FLOTILLA_COMMAND, writing the exit code for stage-out", () => {
    expect(step?.image).toBe('myacr.azurecr.io/tiler:1.0');
    expect(step?.command).toEqual(['/bin/sh', '-c', ACI_STEP_SCRIPT]);
    expect(ACI_STEP_SCRIPT).toContain('/flotilla/.exit');
    const env = Object.fromEntries(
      (step?.environmentVariables ?? []).map((e) => [e.name, e.value ?? e.secureValue]),
    );
    expect(env).toMatchObject({
      FLOTILLA_COMMAND: aLaunch().command,
      FLOTILLA_RUN_ID: 'run-1',
      FLOTILLA_IMAGE: 'img-001',
      FLOTILLA_STEP: 'tile',
      TILE_SIZE: '512',
    });
    expect(step?.resources.requests).toEqual({ cpu: 1, memoryInGB: 1.5 });
  });

  it('sends SAS URLs, the callback URL and secrets only as secure values', () => {
    const all = [
      ...(stageIn?.environmentVariables ?? []),
      ...group.containers.flatMap((c) => c.environmentVariables ?? []),
    ];
    const plainText = JSON.stringify(all.map((e) => e.value ?? ''));
    for (const secret of ['READSIG', 'WRITESIG', 'TOKEN123', 'super-secret-value']) {
      expect(plainText).not.toContain(secret);
      expect(all.some((e) => e.secureValue?.includes(secret))).toBe(true);
    }
    expect(all.find((e) => e.name === 'API_KEY')).toEqual({
      name: 'API_KEY',
      secureValue: 'super-secret-value',
    });
  });

  it('stages in with the stager image before the step and out beside it', () => {
    expect(stageIn?.image).toBe(settings.stagerImage);
    expect(stageIn?.command).toEqual(['node', '/opt/flotilla/main.js', 'in']);
    expect(
      JSON.parse(stageIn?.environmentVariables?.find((e) => e.name === 'FLOTILLA_INPUTS')?.secureValue ?? ''),
    ).toEqual(resolvedFixture.inputs);
    expect(stageOut?.command).toEqual(['node', '/opt/flotilla/main.js', 'out']);
    expect(stageOut?.environmentVariables).toContainEqual({
      name: 'FLOTILLA_OUTPUT_PREFIX',
      value: 'runs/run-1/img-001/tile',
    });
  });

  it('hands the stage-out sidecar an upload grant, not a container SAS, when the app offers uploads', () => {
    const { outputUrl: _unused, ...rest } = resolvedFixture;
    const g = buildContainerGroup(
      aLaunch(),
      { ...rest, uploadUrl: 'https://app.example/api/step-uploads/GRANT456' },
      settings,
      tags,
    );
    const out = g.containers.find((c) => c.name === 'stage-out');
    const names = (out?.environmentVariables ?? []).map((e) => e.name);
    expect(names).not.toContain('FLOTILLA_OUTPUT_URL');
    expect(out?.environmentVariables).toContainEqual({
      name: 'FLOTILLA_UPLOAD_URL',
      secureValue: 'https://app.example/api/step-uploads/GRANT456',
    });
    expect(JSON.stringify(g)).not.toContain('WRITESIG');
  });

  it('pulls a private image through the user-assigned identity, listed on the group', () => {
    const id =
      '/subscriptions/s/resourceGroups/r/providers/Microsoft.ManagedIdentity/userAssignedIdentities/pull';
    const g = buildContainerGroup(
      aLaunch({ registry: { server: 'myacr.azurecr.io', identity: true } }),
      resolvedFixture,
      { ...settings, identityId: id },
      tags,
    );
    expect(g.imageRegistryCredentials).toEqual([{ server: 'myacr.azurecr.io', identity: id }]);
    expect(g.identity).toEqual({ type: 'UserAssigned', userAssignedIdentities: { [id]: {} } });
    expect(() =>
      buildContainerGroup(
        aLaunch({ registry: { server: 'x.io', identity: true } }),
        resolvedFixture,
        settings,
        tags,
      ),
    ).toThrow(/FLOTILLA_ACI_IDENTITY_ID/);
  });

  it('pulls with a registry password resolved from a secret reference', () => {
    const g = buildContainerGroup(
      aLaunch({ registry: { server: 'docker.io', username: 'bot', passwordSecret: 'setting:REG_PW' } }),
      { ...resolvedFixture, registryPassword: 'pw-value' },
      settings,
      tags,
    );
    expect(g.imageRegistryCredentials).toEqual([
      { server: 'docker.io', username: 'bot', password: 'pw-value' },
    ]);
    expect(g.identity).toBeUndefined();
  });
});
