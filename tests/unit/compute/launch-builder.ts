import type { StepLaunch } from '../../../src/compute/port';

/** A step launch with sensible defaults; override what a test is about. */
export function aLaunch(over: Partial<StepLaunch> = {}): StepLaunch {
  return {
    runId: 'run-1',
    imageKey: 'img-001',
    step: 'tile',
    attempt: 1,
    containerImage: 'myacr.azurecr.io/tiler:1.0',
    command: 'python /app/tile.py /flotilla/in/scene.tif /flotilla/out',
    cpu: 1,
    memoryGb: 1.5,
    env: { TILE_SIZE: '512' },
    inputs: [{ container: 'inputs', blob: 'scenes/scene.tif', path: 'scene.tif' }],
    outputs: { container: 'results', prefix: 'runs/run-1/img-001/tile' },
    logs: { container: 'results', prefix: 'runs/run-1/img-001/tile/logs' },
    timeoutMs: 600_000,
    ...over,
  };
}

export const resolvedFixture = {
  inputs: [
    { url: 'https://acct.blob.core.windows.net/inputs/scenes/scene.tif?sv=1&sig=READSIG', path: 'scene.tif' },
  ],
  outputUrl: 'https://acct.blob.core.windows.net/results?sv=1&sp=cw&sig=WRITESIG',
  callbackUrl: 'https://app.example/api/callbacks/TOKEN123',
  secretEnv: { API_KEY: 'super-secret-value' },
};
