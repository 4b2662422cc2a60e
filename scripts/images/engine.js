// @ts-check
'use strict';
// The container engine flotilla's image scripts and container tests use: docker or podman, with the flags this
// machine needs found by trying (a probe run of a small local image), or given by environment variables.
// See docs/containers.md ("Engine settings").
const { spawnSync } = require('node:child_process');

const INSTALL_HINT =
  'Install podman with `apt-get install -y podman runc busybox-static` (Debian/Ubuntu; busybox-static makes the ' +
  'local base image).';
const hintFor = (engine) =>
  engine === 'podman' ? INSTALL_HINT : 'Install Docker, or use podman (FLOTILLA_CONTAINER_ENGINE=podman).';

/** The default ulimits tried when a run with the engine's own defaults is refused (sandboxed hosts). */
const FALLBACK_ULIMITS = 'nofile=1024:1024,nproc=1024:1024';

/**
 * The engine settings from the environment, checked. Unset values are detected.
 * @param {Record<string, string | undefined>} env
 */
function engineSettings(env = process.env) {
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

/**
 * Runs the engine binary synchronously.
 * @param {string} engine
 * @param {readonly string[]} args
 * @param {{ input?: string | Buffer, timeoutMs?: number }} [options]
 */
function runEngine(engine, args, options = {}) {
  const result = spawnSync(engine, args, {
    input: options.input,
    timeout: options.timeoutMs ?? 600_000,
    maxBuffer: 64 * 1024 * 1024,
    encoding: 'utf8',
  });
  if (result.error && /** @type {NodeJS.ErrnoException} */ (result.error).code === 'ENOENT')
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

/** Fails with an install hint when the engine is missing or does not answer. */
function requireEngine(engine) {
  const version = runEngine(engine, ['--version'], { timeoutMs: 30_000 });
  if (version.code !== 0)
    throw new Error(
      `"${engine} --version" failed (${version.stderr.trim() || version.code}). ${hintFor(engine)}`,
    );
  return version.stdout.trim();
}

/** Global flags (before the sub-command): the storage driver, when set or when the default one fails. */
function globalArgs(settings) {
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

const ulimitArgs = (list) =>
  list && list !== 'none' ? list.split(',').flatMap((limit) => ['--ulimit', limit]) : [];

/**
 * The flags `<engine> run` needs here: `--runtime` and `--ulimit`s for podman, found by probe runs of `image`
 * (a local image with /bin/true) unless set by FLOTILLA_PODMAN_RUNTIME and FLOTILLA_PODMAN_ULIMITS.
 * Returns the global flags, the run flags and what each probe said.
 * @param {string} image
 * @param {Record<string, string | undefined>} [env]
 */
function detectRunFlags(image, env = process.env) {
  const settings = engineSettings(env);
  const global = globalArgs(settings);
  if (settings.engine !== 'podman') return { engine: settings.engine, global, run: [], tried: [] };
  const runtimes = settings.runtime ? [settings.runtime] : [undefined, 'runc'];
  const limits = settings.ulimits ? [settings.ulimits] : [undefined, FALLBACK_ULIMITS];
  const tried = [];
  for (const runtime of runtimes) {
    for (const ulimits of limits) {
      const run = [...(runtime ? ['--runtime', runtime] : []), ...ulimitArgs(ulimits)];
      const probe = runEngine(
        'podman',
        [...global, 'run', '--rm', '--pull', 'never', '--network', 'none', ...run, image, '/bin/true'],
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

const lastLine = (text) => text.trim().split('\n').pop() ?? '';

/** Whether an image is in local storage. */
function imageExists(engine, global, image) {
  const args = engine === 'podman' ? [...global, 'image', 'exists', image] : ['image', 'inspect', image];
  return runEngine(engine, args, { timeoutMs: 60_000 }).code === 0;
}

module.exports = {
  INSTALL_HINT,
  FALLBACK_ULIMITS,
  engineSettings,
  runEngine,
  requireEngine,
  globalArgs,
  detectRunFlags,
  imageExists,
};
