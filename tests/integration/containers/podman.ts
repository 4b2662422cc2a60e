import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { INSTALL_HINT, detectRunFlags, runEngine } from '../../../packages/emulators/common/engine';
import { localBaseImage } from '../../../scripts/images/images';

const REPO = join(__dirname, '..', '..', '..');

/** What scripts/images/build.js printed last: the images it built or kept. */
export interface BuildSummary {
  readonly engine: string;
  readonly base: string;
  readonly built: ReadonlyArray<{
    part: string;
    image: string;
    status: string;
    sizeMB: number;
    seconds: number;
  }>;
}

/**
 * Builds (or keeps) the images with podman through the same script humans use, and finds the run flags this
 * machine needs. Fails, never skips, when podman is missing: the message says how to install it.
 */
export function buildWithPodman(): { summary: BuildSummary; global: string[]; run: string[] } {
  const version = runEngine('podman', ['--version'], { timeoutMs: 30_000 });
  if (version.code !== 0)
    throw new Error(
      `These tests need podman and it does not answer (${version.stderr.trim()}). ${INSTALL_HINT}`,
    );
  const build = spawnSync(process.execPath, [join(REPO, 'scripts/images/build.js'), '--engine', 'podman'], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 540_000,
    env: { ...process.env, FLOTILLA_CONTAINER_ENGINE: 'podman' },
  });
  if (build.status !== 0)
    throw new Error(
      `scripts/images/build.js failed (${build.status ?? build.signal}):\n${build.stdout}${build.stderr}`,
    );
  const summary = JSON.parse(build.stdout.trim().split('\n').pop() ?? '{}') as BuildSummary;
  const flags = detectRunFlags(localBaseImage(), { ...process.env, FLOTILLA_CONTAINER_ENGINE: 'podman' });
  return { summary, global: flags.global, run: flags.run };
}

export interface Exited {
  readonly code: number | null;
  readonly output: string;
}

export interface Started {
  readonly name: string;
  readonly exited: Promise<Exited>;
}

/**
 * Containers of one test file: every one labelled `flotilla.test=<label>`, named uniquely, removed by `removeAll`.
 * Values of `env` go to podman's environment and are passed by name (`-e NAME`), so no SAS is on a command line.
 */
export class TestContainers {
  private readonly names: string[] = [];
  private counter = 0;

  constructor(
    readonly label: string,
    private readonly global: readonly string[],
    private readonly runFlags: readonly string[],
  ) {}

  start(
    image: string,
    args: readonly string[],
    options: { env?: Record<string, string>; volume?: string; timeoutMs?: number } = {},
  ): Started {
    this.counter += 1;
    const name = `${this.label}-${this.counter}`;
    this.names.push(name);
    const env = options.env ?? {};
    const podmanArgs = [
      ...this.global,
      'run',
      '--name',
      name,
      '--label',
      `flotilla.test=${this.label}`,
      '--pull',
      'never',
      '--network',
      'host',
      '--http-proxy=false',
      ...this.runFlags,
      ...(options.volume ? ['-v', `${options.volume}:/flotilla`] : []),
      ...Object.keys(env).flatMap((key) => ['-e', key]),
      image,
      ...args,
    ];
    const child = spawn('podman', podmanArgs, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timeoutMs = options.timeoutMs ?? 60_000;
    const exited = new Promise<Exited>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(
          new Error(
            `container ${name} (${image} ${args.join(' ')}) did not exit within ${timeoutMs} ms:\n${output}`,
          ),
        );
      }, timeoutMs);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, output });
      });
    });
    return { name, exited };
  }

  /** The container's state (`running`, `exited`, ...), or undefined while podman does not know it yet. */
  state(name: string): string | undefined {
    const result = runEngine('podman', [...this.global, 'inspect', '--format', '{{.State.Status}}', name], {
      timeoutMs: 30_000,
    });
    return result.code === 0 ? result.stdout.trim() : undefined;
  }

  /** Whether `image` is in podman's local storage (found without a pull). */
  exists(image: string): boolean {
    return runEngine('podman', [...this.global, 'image', 'exists', image], { timeoutMs: 30_000 }).code === 0;
  }

  /** Names of the containers (any state) that carry this file's label. */
  listed(): string[] {
    const result = runEngine(
      'podman',
      [...this.global, 'ps', '-a', '--filter', `label=flotilla.test=${this.label}`, '--format', '{{.Names}}'],
      { timeoutMs: 30_000 },
    );
    if (result.code !== 0) throw new Error(`podman ps failed: ${result.stderr}`);
    return result.stdout.split('\n').filter(Boolean);
  }

  removeAll(): void {
    if (this.names.length === 0) return;
    runEngine('podman', [...this.global, 'rm', '-f', ...this.names], { timeoutMs: 120_000 });
  }
}

/** Polls `condition` every 100 ms until it holds, failing after `timeoutMs` with `what` named. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
