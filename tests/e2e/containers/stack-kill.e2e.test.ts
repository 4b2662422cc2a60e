import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PID_LABEL } from '../../../packages/emulators/common/container-executor';
import { resolveLocalEngine } from '../../../packages/emulators/common/engine';
import { LOCAL_STAGER_IMAGE, type Stack, startStack } from '../../../packages/emulators/stack';
import { buildWithPodman } from '../../integration/containers/podman';
import { waitFor } from '../../support/wait-for';
import { runCli } from '../support/cli';
import { podmanPs, SAMPLE_IMAGE } from './container-stack';

/**
 * `flotilla run` with real containers killed with SIGKILL mid-step: it cannot remove its containers, which
 * carry its pid as a label; the next stack that starts finds them by label and removes them
 * (docs/emulators.md, 'Executor modes'; docs/containers.md, "Failures and cleanup").
 */
const dirs: string[] = [];
let restarted: Stack | undefined;
afterAll(async () => {
  await restarted?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}, 120_000);

it('a SIGKILLed stack leaves its running containers, and the next stack removes them', async () => {
  buildWithPodman();
  const work = mkdtempSync(join(tmpdir(), 'flotilla-kill-containers-'));
  dirs.push(work);
  const spec = join(work, 'pipeline.json');
  writeFileSync(
    spec,
    JSON.stringify({
      name: 'hung',
      inputs: { container: 'images', prefix: 'hung/' },
      outputs: { container: 'outputs' },
      defaults: { cpu: 0.5, memoryGB: 0.5, timeout: '10m', retries: 0 },
      steps: [{ id: 'step', image: SAMPLE_IMAGE, command: 'sleep 600' }],
    }),
  );
  writeFileSync(join(work, 'scene.pgm'), 'pixels');
  const cli = runCli(
    ['run', spec, '--images', join(work, 'scene.pgm'), '--state', join(work, 'state'), '--json'],
    { FLOTILLA_LOCAL_ENGINE: 'podman' },
  );
  const pid = cli.child.pid ?? 0;
  const ours = `${PID_LABEL}=${pid}`;
  try {
    await waitFor(() => podmanPs(ours, 'flotilla.aci.container=step').length > 0, {
      what: () => `the step container of the CLI (pid ${pid}) to run; stderr: ${cli.stderr}`,
      timeoutMs: 180_000,
      intervalMs: 500,
    });
  } catch (error) {
    cli.child.kill('SIGKILL');
    throw error;
  }
  cli.child.kill('SIGKILL');
  await cli.exited;
  // Nothing removed them: the stack had no chance to.
  expect(podmanPs(ours).length).toBeGreaterThan(0);

  const resolved = resolveLocalEngine(LOCAL_STAGER_IMAGE, {
    ...process.env,
    FLOTILLA_LOCAL_ENGINE: 'podman',
  });
  if (resolved.kind !== 'container') throw new Error(`podman cannot run containers here: ${resolved.reason}`);
  const state = mkdtempSync(join(tmpdir(), 'flotilla-restart-'));
  dirs.push(state);
  restarted = await startStack({ stateDir: state, mode: 'container', engine: resolved.engine });
  expect(podmanPs(ours)).toEqual([]);
}, 300_000);
