#!/usr/bin/env node
// @ts-check
'use strict';
// Builds flotilla's images with podman or docker, for humans and tests alike (docs/containers.md):
//   node scripts/images/build.js [--engine podman|docker] [--base <image>] [--force] [--only base,stager,samples]
// podman (default): imports the local base `localhost/flotilla-base:node<N>` from this machine's busybox-static
// and node (skipped when present, unless --force), then builds the stager and the sample images FROM it, and
// imports a busybox-only stand-in for a public busybox image a sample spec names.
// docker: builds FROM the public base (node:22-alpine) unless --base says otherwise; makes no local base.
// Prints one line per image and, last, a JSON summary.
const {
  mkdtempSync,
  rmSync,
  statSync,
  readdirSync,
  existsSync,
  readFileSync,
  writeFileSync,
} = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { execFileSync } = require('node:child_process');
const {
  detectRunFlags,
  engineSettings,
  globalArgs,
  imageExists,
  requireEngine,
  runEngine,
} = require('./engine');
const { assembleRootfs } = require('./rootfs');
const {
  REPO,
  LOCAL_STAGER_IMAGE,
  PUBLIC_BASE_IMAGE,
  SAMPLES,
  localBaseImage,
  specImages,
} = require('./images');

const PARTS = ['base', 'stager', 'samples'];

function parseArgs(argv) {
  const options = {
    engine: undefined,
    base: undefined,
    force: false,
    only: PARTS,
    stagerTags: [LOCAL_STAGER_IMAGE],
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const value = () => {
      const next = argv[(i += 1)];
      if (next === undefined || next.startsWith('--')) throw new Error(`${arg}: expected a value`);
      return next;
    };
    if (arg === '--engine') options.engine = value();
    else if (arg === '--base') options.base = value();
    else if (arg === '--force') options.force = true;
    else if (arg === '--stager-tag') options.stagerTags.push(value());
    else if (arg === '--only') {
      options.only = value().split(',');
      const bad = options.only.filter((part) => !PARTS.includes(part));
      if (bad.length)
        throw new Error(`--only: unknown part(s) ${bad.join(', ')}; allowed: ${PARTS.join(', ')}`);
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write(
        'usage: build.js [--engine podman|docker] [--base <image>] [--force] [--only base,stager,samples] ' +
          '[--stager-tag <ref>]...\n',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${JSON.stringify(arg)}; see --help`);
  }
  return options;
}

const seconds = (since) => Number(((Date.now() - since) / 1000).toFixed(1));

/** Compiles the project when dist/src/stager is missing or older than src/stager. */
function ensureStagerCompiled(log) {
  const dist = join(REPO, 'dist/src/stager/main.js');
  const newest = Math.max(
    ...readdirSync(join(REPO, 'src/stager')).map((file) => statSync(join(REPO, 'src/stager', file)).mtimeMs),
  );
  if (existsSync(dist) && statSync(dist).mtimeMs >= newest) return;
  log('compiling: dist/src/stager is missing or stale (tsc -p tsconfig.build.json)');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: REPO,
    stdio: 'inherit',
  });
}

function buildImages(options, log = (line) => process.stdout.write(`${line}\n`)) {
  const settings = engineSettings({
    ...process.env,
    ...(options.engine ? { FLOTILLA_CONTAINER_ENGINE: options.engine } : {}),
  });
  const engine = settings.engine;
  const version = requireEngine(engine);
  const global = globalArgs(settings);
  const run = (args, what) => {
    const result = runEngine(engine, [...global, ...args]);
    if (result.code !== 0)
      throw new Error(
        `${what} failed (${engine} ${args.slice(0, 2).join(' ')} ...):\n${result.stderr || result.stdout}`,
      );
    return result.stdout.trim();
  };
  const sizeOf = (image) =>
    Number(run(['image', 'inspect', '--format', '{{.Size}}', image], `inspect ${image}`).split('\n')[0]);
  const imageId = (image) => run(['image', 'inspect', '--format', '{{.Id}}', image], `inspect ${image}`);
  // The image a rebuild or re-import replaced is left without a name: remove it (only that one; never a prune).
  const idsOf = (tags) => tags.filter((tag) => imageExists(engine, global, tag)).map((tag) => imageId(tag));
  // Removed at the end, newest first, so an old base goes after the old images built on it.
  const replaced = [];
  const removeReplaced = (before, tags) => {
    const now = new Set(idsOf(tags));
    for (const old of new Set(before)) if (!now.has(old)) replaced.unshift(old);
  };
  const built = [];
  const record = (entry, since) => {
    const item = {
      ...entry,
      seconds: seconds(since),
      sizeMB: Number((sizeOf(entry.image) / 1e6).toFixed(1)),
    };
    built.push(item);
    log(
      `${item.status} ${item.image}${item.tags ? ` (also ${item.tags.join(', ')})` : ''}: ${item.sizeMB} MB, ${item.seconds} s`,
    );
  };
  log(`engine: ${version}${global.length ? ` (${global.join(' ')})` : ''}`);

  const base = options.base ?? (engine === 'podman' ? localBaseImage() : PUBLIC_BASE_IMAGE);
  const localBase = engine === 'podman' && base === localBaseImage();
  if (localBase && options.only.includes('base')) {
    const since = Date.now();
    if (imageExists(engine, global, base) && !options.force)
      record({ part: 'base', image: base, status: 'kept' }, since);
    else {
      const before = idsOf([base]);
      importRootfs(run, base, { node: process.execPath }, 'flotilla local base: busybox-static + node');
      removeReplaced(before, [base]);
      record({ part: 'base', image: base, status: 'imported' }, since);
    }
  }
  // Build with the flags a run needs too, should a Dockerfile ever gain a RUN line; probed on the base.
  const buildFlags =
    engine === 'podman' && imageExists(engine, global, base) ? detectRunFlags(base, process.env).run : [];
  const dockerBuild = (dockerfile, tags, part, extra = {}) => {
    const since = Date.now();
    const before = idsOf(tags);
    const tagArgs = tags.flatMap((tag) => ['-t', tag]);
    run(
      ['build', ...buildFlags, '-f', dockerfile, '--build-arg', `BASE_IMAGE=${base}`, ...tagArgs, REPO],
      `build ${tags[0]}`,
    );
    removeReplaced(before, tags);
    record(
      {
        part,
        image: tags[0],
        ...(tags.length > 1 ? { tags: tags.slice(1) } : {}),
        status: 'built',
        base,
        ...extra,
      },
      since,
    );
  };

  if (options.only.includes('stager')) {
    ensureStagerCompiled(log);
    dockerBuild(join(REPO, 'containers/stager/Dockerfile'), options.stagerTags, 'stager');
  }
  if (options.only.includes('samples')) {
    for (const sample of SAMPLES) {
      const images = specImages(sample.spec);
      if (sample.dockerfile)
        dockerBuild(join(REPO, sample.dockerfile), images, 'samples', { sample: sample.name });
      else if (localBase) {
        // A public image named by the spec, stood in for locally (with the local base, nothing can be pulled).
        const since = Date.now();
        const [first = '', ...rest] = images;
        if (imageExists(engine, global, first) && !options.force)
          record({ part: 'samples', image: first, status: 'kept', sample: sample.name }, since);
        else {
          const before = idsOf(images);
          importRootfs(run, first, {}, `flotilla local stand-in for ${first}: busybox-static only`);
          for (const tag of rest) run(['tag', first, tag], `tag ${tag}`);
          removeReplaced(before, images);
          record({ part: 'samples', image: first, status: 'imported', sample: sample.name }, since);
        }
      } else
        log(
          `skipped ${images.join(', ')} (${sample.name}): public image${images.length > 1 ? 's' : ''}, pulled by ${engine} when used`,
        );
    }
  }
  for (const old of replaced) runEngine(engine, [...global, 'rmi', old]);
  return { engine, base, built };
}

/** Assembles a root file system in a temp folder and imports it as `image`. */
function importRootfs(run, image, contents, description) {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-rootfs-'));
  try {
    const root = join(dir, 'rootfs');
    assembleRootfs(root, contents);
    const tar = join(dir, 'rootfs.tar');
    execFileSync('tar', ['--numeric-owner', '-C', root, '-cf', tar, '.']);
    run(
      [
        'import',
        '--change',
        'ENV PATH=/usr/local/bin:/usr/bin:/bin',
        '--change',
        'CMD ["/bin/sh"]',
        '--change',
        `LABEL org.opencontainers.image.description="${description}"`,
        '--change',
        'LABEL flotilla.local-only=true',
        tar,
        image,
      ],
      `import ${image}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { buildImages, parseArgs };

/**
 * Runs `fn` holding a lock file, so two builds on one machine (two test workers) never retag the same images at
 * once. A lock whose process is gone is taken over; waiting is bounded.
 */
function withBuildLock(fn, timeoutMs = 600_000) {
  const lock = join(tmpdir(), 'flotilla-images-build.lock');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(lock, 'utf8') || 'NaN');
      if (!Number.isInteger(holder) || !isAlive(holder)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(`another build (pid ${holder}) held ${lock} for ${timeoutMs} ms`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return /** @type {NodeJS.ErrnoException} */ (error).code === 'EPERM';
  }
}

module.exports.withBuildLock = withBuildLock;

if (require.main === module) {
  try {
    const options = parseArgs(process.argv.slice(2));
    const result = withBuildLock(() => buildImages(options));
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } catch (error) {
    process.stderr.write(`build: ${/** @type {Error} */ (error).message}\n`);
    process.exitCode = 1;
  }
}
