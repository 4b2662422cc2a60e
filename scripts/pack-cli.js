'use strict';
/**
 * `npm run pack:cli`: the flotilla CLI as one installable tarball (.deploy/flotilla-cli-<version>.tgz), so
 * `npm i -g <tgz>` gives a `flotilla` that runs pipelines on the embedded stack from any folder. The tarball
 * has the repository's layout where the CLI needs it: the app it hosts (host.json, dist/src, with package.json
 * "main" naming it), the stand-ins (dist/packages/emulators) and the CLI (dist/packages/cli, bin/). Its
 * dependencies are the union of the three packages', at the versions the lock file pins.
 */
const { spawnSync } = require('node:child_process');
const { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const out = join(root, '.deploy');
const stage = join(out, 'cli');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const read = (file) => JSON.parse(readFileSync(join(root, file), 'utf8'));

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0) {
    console.error(
      `pack:cli: ${[command, ...args].join(' ')} failed (exit ${result.status ?? result.signal})`,
    );
    process.exit(1);
  }
  return result.stdout;
}

run(npm, ['run', 'build', '--silent'], root);
rmSync(stage, { recursive: true, force: true });
mkdirSync(join(stage, 'bin'), { recursive: true });
for (const part of ['dist/src', 'dist/packages/emulators', 'dist/packages/cli']) {
  cpSync(join(root, part), join(stage, part), { recursive: true, filter: (src) => !src.endsWith('.map') });
}
cpSync(join(root, 'host.json'), join(stage, 'host.json'));
cpSync(join(root, 'packages/cli/bin/flotilla.js'), join(stage, 'bin/flotilla.js'));

const app = read('package.json');
const emulators = read('packages/emulators/package.json');
const cli = read('packages/cli/package.json');
const dependencies = {};
for (const deps of [app.dependencies, emulators.dependencies, cli.dependencies]) {
  for (const [name, version] of Object.entries(deps)) {
    if (name.startsWith('@flotilla/')) continue;
    if (dependencies[name] && dependencies[name] !== version) {
      console.error(
        `pack:cli: ${name} is pinned to ${dependencies[name]} and ${version} in different packages`,
      );
      process.exit(1);
    }
    dependencies[name] = version;
  }
}
const manifest = {
  name: cli.name,
  version: cli.version,
  description: cli.description,
  license: cli.license,
  engines: app.engines,
  bin: { flotilla: 'bin/flotilla.js' },
  // The embedded host loads the app from this folder, as from the repository: "main" is its entry.
  main: app.main,
  files: ['bin', 'dist', 'host.json'],
  dependencies: Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b))),
};
writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
const packed = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', out], stage));
console.log(`pack:cli: ${join(out, packed[0].filename)} (${packed[0].entryCount} files)`);
