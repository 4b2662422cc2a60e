// @ts-check
'use strict';
// Assembles the root file system of a local-only base image from files of this machine: busybox-static with its
// applet links (so /bin/sh, mkdir, mv, ... exist) and, optionally, the node binary with the shared libraries and
// the dynamic loader `ldd` names. Used by scripts/images/build.js; see containers/base/README.md.
const { execFileSync } = require('node:child_process');
const {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  realpathSync,
  symlinkSync,
} = require('node:fs');
const { dirname, join } = require('node:path');

const BUSYBOX_CANDIDATES = ['/usr/bin/busybox', '/bin/busybox'];

/** The static busybox of this machine, or an error saying how to get it. */
function findBusybox(explicit = process.env.FLOTILLA_BUSYBOX) {
  const candidates = explicit ? [explicit] : BUSYBOX_CANDIDATES;
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    const ldd = lddOf(file);
    if (ldd.ok && !/not a dynamic executable|statically linked/.test(ldd.text))
      throw new Error(
        `${file} is dynamically linked; the base image needs a static busybox (apt-get install -y busybox-static)`,
      );
    return file;
  }
  throw new Error(
    `No static busybox found (looked at ${candidates.join(', ')}). Install it with apt-get install -y busybox-static, ` +
      'or set FLOTILLA_BUSYBOX to its path.',
  );
}

function lddOf(file) {
  try {
    return {
      ok: true,
      text: execFileSync('ldd', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    };
  } catch (error) {
    // ldd exits 1 for a static binary ("not a dynamic executable").
    const e = /** @type {{ stdout?: string, stderr?: string }} */ (error);
    return { ok: true, text: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** The absolute paths of the shared libraries and loader a dynamic executable needs. */
function sharedLibraries(file) {
  const { text } = lddOf(file);
  const paths = new Set();
  for (const line of text.split('\n')) {
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (match?.[1]) paths.add(match[1]);
  }
  if (paths.size === 0) throw new Error(`ldd ${file} named no shared libraries:\n${text}`);
  return [...paths];
}

/** Files copied as they are into every local rootfs (users root, flotilla = 1000, nobody). */
const FIXED_FILES = join(__dirname, '..', '..', 'containers', 'base', 'rootfs');

/**
 * Writes the root file system into `root` (an empty folder). Returns what went in, for the build's report.
 * @param {string} root
 * @param {{ node?: string, busybox?: string }} options `node`: the node binary to include (none when absent)
 */
function assembleRootfs(root, options = {}) {
  const busybox = options.busybox ?? findBusybox();
  for (const dir of ['bin', 'etc', 'root', 'home/flotilla', 'tmp', 'flotilla', 'usr/bin', 'usr/local/bin'])
    mkdirSync(join(root, dir), { recursive: true });
  chmodSync(join(root, 'tmp'), 0o1777);
  chmodSync(join(root, 'root'), 0o700);
  // /flotilla is the step volume's mount point; writable by everyone for the case of no volume.
  chmodSync(join(root, 'flotilla'), 0o1777);
  if (process.getuid?.() === 0) execFileSync('chown', ['1000:1000', join(root, 'home/flotilla')]);
  copyFileSync(busybox, join(root, 'bin/busybox'));
  chmodSync(join(root, 'bin/busybox'), 0o755);
  const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const applet of applets) if (applet !== 'busybox') symlinkSync('busybox', join(root, 'bin', applet));
  // For `#!/usr/bin/env node` scripts.
  symlinkSync('/bin/busybox', join(root, 'usr/bin/env'));
  cpSync(FIXED_FILES, root, { recursive: true });
  const contents = {
    busybox,
    applets: applets.length,
    node: /** @type {string | undefined} */ (undefined),
    libraries: [],
  };
  if (options.node) {
    const node = realpathSync(options.node);
    copyFileSync(node, join(root, 'usr/local/bin/node'));
    chmodSync(join(root, 'usr/local/bin/node'), 0o755);
    const libraries = sharedLibraries(node);
    for (const library of libraries) {
      const target = join(root, library);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(realpathSync(library), target);
    }
    contents.node = node;
    contents.libraries = libraries;
  }
  return contents;
}

module.exports = { assembleRootfs, findBusybox, sharedLibraries };
