import type { Container, ContainerGroup, InitContainerDefinition } from '@azure/arm-containerinstance';

/** A small container with a command (SDK model, flattened as in TypeScript). */
export function aContainer(name = 'step', overrides: Partial<Container> = {}): Container {
  return {
    name,
    image: 'mcr.microsoft.com/azurelinux/base/core:3.0',
    command: ['/bin/sh', '-c', 'echo hello'],
    resources: { requests: { cpu: 1, memoryInGB: 1.5 } },
    ...overrides,
  };
}

export function anInitContainer(
  name = 'stage-in',
  overrides: Partial<InitContainerDefinition> = {},
): InitContainerDefinition {
  return { name, image: 'flotilla/stager:1', command: ['/bin/sh', '-c', 'true'], ...overrides };
}

/** A one-container group with restartPolicy Never, as flotilla creates them. */
export function aGroup(overrides: Partial<ContainerGroup> = {}): ContainerGroup {
  return {
    location: 'eastus',
    osType: 'Linux',
    restartPolicy: 'Never',
    containers: [aContainer()],
    tags: { runId: 'r1' },
    ...overrides,
  };
}

/** The error a call fails with; fails the test if the call succeeds. */
export async function failure(
  call: Promise<unknown>,
): Promise<Error & { statusCode?: number; code?: string }> {
  try {
    await call;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
