import { spawnSync } from 'node:child_process';

/**
 * The container engine on this machine: docker or podman, with the flags `<engine> run` needs here, found by
 * probe runs of a small local image or given by environment variables (docs/containers.md, 'Engine settings').
 * The emulators' container executor and the image scripts (`scripts/images/engine.js` loads the compiled
 * copy of this file) share it, so detection exists once.
 */
export type EngineName = 'podman' | 'docker';

export const INSTALL_HINT =
  'Install podman with `apt-get install -y podman runc busybox-static` (Debian/Ubuntu; busybox-static makes the ' +
  'local base image).';
const hintFor = (engine: string): string =>
  engine === 'podman' ? INSTALL_HINT : 'Install Docker, or use podman (FLOTILLA_CONTAINER_ENGINE=podman).';

/** The default ulimits tried when a run with the engine's own defaults is refused (sandboxed hosts). */
export const FALLBACK_ULIMITS = 'nofile=1024:1024,nproc=1024:1024';

export interface EngineSettings {
  readonly engine: EngineName;
  readonly runtime: string | undefined;
  readonly ulimits: string | undefined;
  readonly storageDriver: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The engine settings from the environment, checked. Unset values are detected. */
export function engineSettings(env: Env = process.env): EngineSettings {
  const engine = env.FLOTILLA_CONTAINER_ENGINE || 'podman';
  if (engine !== 'podman' && engine !== 'docker')
    throw new Error(
      `FLOTILLA_CONTAINER_ENGINE: expected "podman" or "docker", got ${JSON.stringify(engine)}`,
    );
  const ulimits = env.FLOTILLA_PODMAN_ULIMITS;
  if (
    ulimits !== undefined &&
    ulimits !== '' &&
    ulimits !== 'none' &&
    !/^(\w+=\d+(:\d+)?)(,\w+=\d+(:\d+)?)*$/.test(ulimits)
  )
    throw new Error(
      `FLOTILLA_PODMAN_ULIMITS: expected "none" or a list like "${FALLBACK_ULIMITS}", got ${JSON.stringify(ulimits)}`,
    );
  return {
    engine,
    runtime: env.FLOTILLA_PODMAN_RUNTIME || undefined,
    ulimits: ulimits || undefined,
    storageDriver: env.FLOTILLA_PODMAN_STORAGE_DRIVER || undefined,
  };
}

export interface EngineResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly error: Error | undefined;
}

/** Runs the engine binary synchronously. A missing binary throws with an install hint. */
export function runEngine(
  engine: string,
  args: readonly string[],
  options: { input?: string | Buffer; timeoutMs?: number } = {},
): EngineResult {
  const result = spawnSync(engine, args, {
    input: options.input,
    timeout: options.timeoutMs ?? 600_000,
    maxBuffer: 64 * 1024 * 1024,
    encoding: 'utf8',
  });
  const failure: NodeJS.ErrnoException | undefined = result.error;
  if (failure?.code === 'ENOENT')
    throw new Error(
      `The container engine "${engine}" is not installed (not found on PATH). ${hintFor(engine)}`,
    );
  return {
    code: result.status ?? -1,
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? '',
    error: result.error,
  };
}

/** Fails with an install hint when the engine is missing or does not answer; returns its version line. */
export function requireEngine(engine: string): string {
  const version = runEngine(engine, ['--version'], { timeoutMs: 30_000 });
  if (version.code !== 0)
    throw new Error(
      `"${engine} --version" failed (${version.stderr.trim() || version.code}). ${hintFor(engine)}`,
    );
  return version.stdout.trim();
}

/** Global flags (before the sub-command): the storage driver, when set or when the default one fails. */
export function globalArgs(settings: EngineSettings): string[] {
  if (settings.engine !== 'podman') return [];
  if (settings.storageDriver) return ['--storage-driver', settings.storageDriver];
  const info = runEngine('podman', ['info', '--format', '{{.Store.GraphDriverName}}'], { timeoutMs: 60_000 });
  if (info.code === 0) return [];
  const vfs = runEngine('podman', [
    '--storage-driver',
    'vfs',
    'info',
    '--format',
    '{{.Store.GraphDriverName}}',
  ]);
  if (vfs.code === 0) return ['--storage-driver', 'vfs'];
  throw new Error(
    `"podman info" failed: ${info.stderr.trim()}. Set FLOTILLA_PODMAN_STORAGE_DRIVER (e.g. vfs).`,
  );
}

const ulimitArgs = (list: string | undefined): string[] =>
  list && list !== 'none' ? list.split(',').flatMap((limit) => ['--ulimit', limit]) : [];

export interface RunFlags {
  readonly engine: EngineName;
  /** Flags before the sub-command (`--storage-driver`). */
  readonly global: string[];
  /** Flags of `run` (`--runtime`, `--ulimit`). */
  readonly run: string[];
  /** What each failed probe said. */
  readonly tried: string[];
}

/**
 * The flags `<engine> run` needs here: `--runtime` and `--ulimit`s for podman, found by probe runs of `image`
 * (a local image with /bin/true, run as its entry point) unless set by FLOTILLA_PODMAN_RUNTIME and FLOTILLA_PODMAN_ULIMITS.
 */
export function detectRunFlags(image: string, env: Env = process.env): RunFlags {
  const settings = engineSettings(env);
  const global = globalArgs(settings);
  if (settings.engine !== 'podman') return { engine: settings.engine, global, run: [], tried: [] };
  const runtimes = settings.runtime ? [settings.runtime] : [undefined, 'runc'];
  const limits = settings.ulimits ? [settings.ulimits] : [undefined, FALLBACK_ULIMITS];
  const tried: string[] = [];
  for (const runtime of runtimes) {
    for (const ulimits of limits) {
      const run = [...(runtime ? ['--runtime', runtime] : []), ...ulimitArgs(ulimits)];
      const probe = runEngine(
        'podman',
        [
          ...global,
          'run',
          '--rm',
          '--pull',
          'never',
          '--network',
          'none',
          '--entrypoint',
          '/bin/true',
          ...run,
          image,
        ],
        { timeoutMs: 120_000 },
      );
      if (probe.code === 0) return { engine: 'podman', global, run, tried };
      tried.push(`podman run ${run.join(' ') || '(no extra flags)'}: ${lastLine(probe.stderr)}`);
    }
  }
  throw new Error(
    `podman cannot run a container here. Tried:\n  ${tried.join('\n  ')}\n` +
      'Set FLOTILLA_PODMAN_RUNTIME (e.g. runc) and FLOTILLA_PODMAN_ULIMITS (e.g. ' +
      `${FALLBACK_ULIMITS}) to what works; see docs/containers.md.`,
  );
}

const lastLine = (text: string): string => text.trim().split('\n').pop() ?? '';

/** Whether an image is in local storage. */
export function imageExists(engine: string, global: readonly string[], image: string): boolean {
  const args = engine === 'podman' ? [...global, 'image', 'exists', image] : ['image', 'inspect', image];
  return runEngine(engine, args, { timeoutMs: 60_000 }).code === 0;
}

/** What FLOTILLA_LOCAL_ENGINE asks the emulators to run steps with (docs/emulators.md, 'Executor modes'). */
export type LocalEngineChoice = 'auto' | 'docker' | 'podman' | 'process';

export function localEngineChoice(env: Env = process.env): LocalEngineChoice {
  const value = env.FLOTILLA_LOCAL_ENGINE || 'auto';
  if (value === 'auto' || value === 'docker' || value === 'podman' || value === 'process') return value;
  throw new Error(
    `FLOTILLA_LOCAL_ENGINE: expected "auto", "docker", "podman" or "process", got ${JSON.stringify(value)}`,
  );
}

/** The engine the emulators run containers with: its name and the flags detection found. */
export interface LocalEngine extends RunFlags {
  readonly version: string;
}

export type ResolvedEngine =
  | { readonly kind: 'container'; readonly engine: LocalEngine }
  | { readonly kind: 'process'; readonly reason: string };

/** Whether `engine` answers: docker needs a daemon (`docker version` talks to it), podman does not. */
function engineAnswers(engine: EngineName): string | undefined {
  try {
    const check = runEngine(
      engine,
      engine === 'docker' ? ['version', '--format', '{{.Server.Version}}'] : ['--version'],
      {
        timeoutMs: 30_000,
      },
    );
    return check.code === 0 ? check.stdout.trim() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resolves FLOTILLA_LOCAL_ENGINE: `docker` or `podman` must work (else this throws, naming the setting and how
 * to install or build), `process` runs processes, and `auto` tries docker, then podman, then processes.
 * `probeImage` is a local image with /bin/true (the stager) used to find podman's run flags.
 */
export function resolveLocalEngine(probeImage: string, env: Env = process.env): ResolvedEngine {
  const choice = localEngineChoice(env);
  if (choice === 'process') return { kind: 'process', reason: 'FLOTILLA_LOCAL_ENGINE=process' };
  const candidates: EngineName[] = choice === 'auto' ? ['docker', 'podman'] : [choice];
  const notes: string[] = [];
  for (const name of candidates) {
    const version = engineAnswers(name);
    if (!version) {
      notes.push(`${name}: not installed or not answering`);
      continue;
    }
    try {
      const engineEnv = { ...env, FLOTILLA_CONTAINER_ENGINE: name };
      if (!imageExists(name, globalArgs(engineSettings(engineEnv)), probeImage))
        throw new Error(`the image ${probeImage} is not in ${name}'s local storage (run \`npm run images\`)`);
      const flags = detectRunFlags(probeImage, engineEnv);
      return { kind: 'container', engine: { ...flags, version } };
    } catch (error) {
      notes.push(`${name}: ${(error as Error).message}`);
    }
  }
  if (choice === 'auto')
    return { kind: 'process', reason: `no container engine found (${notes.join('; ')})` };
  throw new Error(
    `FLOTILLA_LOCAL_ENGINE=${choice}: ${notes.join('; ')}. ${hintFor(choice)} See docs/containers.md.`,
  );
}
