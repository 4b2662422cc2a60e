import { LOCAL_STAGER_IMAGE as STACK_STAGER_IMAGE } from '../../../packages/emulators/stack';
import { parseArgs } from '../../../scripts/images/build';
import { FALLBACK_ULIMITS, engineSettings } from '../../../packages/emulators/common/engine';
import { LOCAL_STAGER_IMAGE, SAMPLES, localBaseImage, specImages } from '../../../scripts/images/images';

// The pure parts of scripts/images: names, settings and arguments (the builds themselves run in
// tests/integration/containers against podman).
describe('image scripts', () => {
  it('tag the stager as the embedded stack names it, and the local base by the node major version', () => {
    expect(LOCAL_STAGER_IMAGE).toBe(STACK_STAGER_IMAGE);
    expect(localBaseImage('20.20.2')).toBe('localhost/flotilla-base:node20');
    expect(localBaseImage('22.1.0')).toBe('localhost/flotilla-base:node22');
  });

  it('read the image references from the sample specs', () => {
    expect(Object.fromEntries(SAMPLES.map((sample) => [sample.name, specImages(sample.spec)]))).toEqual({
      'damage-assessment': ['flotilla-samples/damage-assessment:1.0'],
      hello: ['busybox:1.36'],
    });
  });

  it('take engine settings from the environment and name a bad one with what is allowed', () => {
    expect(engineSettings({})).toEqual({
      engine: 'podman',
      runtime: undefined,
      ulimits: undefined,
      storageDriver: undefined,
    });
    expect(
      engineSettings({
        FLOTILLA_CONTAINER_ENGINE: 'docker',
        FLOTILLA_PODMAN_RUNTIME: 'runc',
        FLOTILLA_PODMAN_ULIMITS: FALLBACK_ULIMITS,
        FLOTILLA_PODMAN_STORAGE_DRIVER: 'vfs',
      }),
    ).toEqual({ engine: 'docker', runtime: 'runc', ulimits: FALLBACK_ULIMITS, storageDriver: 'vfs' });
    expect(() => engineSettings({ FLOTILLA_CONTAINER_ENGINE: 'lxc' })).toThrow(
      'FLOTILLA_CONTAINER_ENGINE: expected "podman" or "docker", got "lxc"',
    );
    expect(() => engineSettings({ FLOTILLA_PODMAN_ULIMITS: 'lots' })).toThrow(
      /FLOTILLA_PODMAN_ULIMITS: expected "none" or a list like "nofile=1024:1024,nproc=1024:1024", got "lots"/,
    );
  });

  it('parse the build arguments, refusing unknown ones', () => {
    expect(
      parseArgs(['--engine', 'docker', '--only', 'stager', '--stager-tag', 'r.example/s:1', '--force']),
    ).toEqual({
      engine: 'docker',
      base: undefined,
      force: true,
      only: ['stager'],
      stagerTags: [LOCAL_STAGER_IMAGE, 'r.example/s:1'],
    });
    expect(() => parseArgs(['--only', 'base,everything'])).toThrow(
      '--only: unknown part(s) everything; allowed: base, stager, samples',
    );
    expect(() => parseArgs(['--base'])).toThrow('--base: expected a value');
    expect(() => parseArgs(['--fast'])).toThrow('unknown argument "--fast"; see --help');
  });
});
