import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealClock } from '../../../packages/emulators/common/clock';
import { ContainerExecutor, EMULATOR_LABEL } from '../../../packages/emulators/common/container-executor';
import { resolveLocalEngine } from '../../../packages/emulators/common/engine';
import { LOCAL_STAGER_IMAGE } from '../../../packages/emulators/stack';
import { buildWithPodman } from '../../integration/containers/podman';

// The container executor of the emulators against the real podman of this machine (fails, never skips, when
// podman is missing: buildWithPodman says how to install it). docs/emulators.md, 'Executor modes'.
const IMAGE = 'flotilla-samples/damage-assessment:1.0';
const stackId = `exec${process.pid}`;

describe('ContainerExecutor (podman)', () => {
  let executor: ContainerExecutor;
  let work: string;

  beforeAll(() => {
    buildWithPodman();
    const resolved = resolveLocalEngine(LOCAL_STAGER_IMAGE, {
      ...process.env,
      FLOTILLA_LOCAL_ENGINE: 'podman',
    });
    if (resolved.kind !== 'container') throw new Error(`podman was not usable: ${resolved.reason}`);
    executor = new ContainerExecutor(new RealClock(), { engine: resolved.engine, stackId });
    work = mkdtempSync(join(tmpdir(), 'flotilla-exec-'));
  }, 300_000);

  afterAll(() => {
    executor.removeAll();
    rmSync(work, { recursive: true, force: true });
    expect(listed()).toEqual([]);
  });

  const listed = () =>
    spawnSync(
      'podman',
      ['ps', '-a', '--filter', `label=${EMULATOR_LABEL}=${stackId}`, '--format', '{{.Names}}'],
      {
        encoding: 'utf8',
      },
    )
      .stdout.split('\n')
      .filter(Boolean);

  it('runs the image with its volume, environment by name and exit code, and removes the container', async () => {
    const run = executor.start({
      image: IMAGE,
      command: [
        '/bin/sh',
        '-c',
        'echo "$GREETING" > /flotilla/out.txt; echo to-stdout; echo to-stderr >&2; exit 3',
      ],
      env: { GREETING: 'hello from a container' },
      mounts: { '/flotilla': join(work, 'vol') },
      workDir: join(work, 'wd'),
      cpus: 0.5,
      memoryBytes: 256 * 1024 * 1024,
    });
    const outcome = await run.done;
    expect(outcome.exitCode).toBe(3);
    expect(outcome.reason).toBeUndefined();
    expect(readFileSync(join(work, 'vol', 'out.txt'), 'utf8')).toBe('hello from a container\n');
    expect(run.logs()).toContain('to-stdout');
    expect(run.logs()).toContain('to-stderr');
    expect(listed()).toEqual([]);
  }, 60_000);

  it('reports a container killed for exceeding --memory as exit 137, OOMKilled', async () => {
    // podman's conmon writes an empty `oom` file into its client's working folder on an OOM kill: the
    // executor gives each client a folder of its own, so none lands in ours (the repository root).
    const stray = join(process.cwd(), 'oom');
    const strayBefore = existsSync(stray);
    const run = executor.start({
      image: IMAGE,
      command: [
        'node',
        '-e',
        'const a = []; for (let i = 0; i < 40; i++) a.push(Buffer.alloc(16 * 1024 * 1024, 1)); console.log("survived")',
      ],
      env: {},
      mounts: {},
      workDir: join(work, 'oom'),
      memoryBytes: 64 * 1024 * 1024,
    });
    const outcome = await run.done;
    expect({ exitCode: outcome.exitCode, reason: outcome.reason }).toEqual({ exitCode: 137, reason: 'oom' });
    expect(run.logs()).not.toContain('survived');
    expect(existsSync(stray)).toBe(strayBefore);
  }, 60_000);

  it('kills a hung step at its timeout and leaves no container', async () => {
    const started = Date.now();
    const run = executor.start({
      image: IMAGE,
      command: ['/bin/sh', '-c', 'sleep 120'],
      env: {},
      mounts: {},
      workDir: join(work, 'hung'),
      timeoutMs: 2000,
    });
    const outcome = await run.done;
    expect({ exitCode: outcome.exitCode, reason: outcome.reason }).toEqual({
      exitCode: 137,
      reason: 'timeout',
    });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(listed()).toEqual([]);
  }, 60_000);

  it('knows which images the engine has (a missing one is what ACI and Batch report inaccessible)', () => {
    expect(executor.hasImage(IMAGE)).toBe(true);
    expect(executor.hasImage('flotilla-samples/not-built:0.0')).toBe(false);
  }, 60_000);
});
