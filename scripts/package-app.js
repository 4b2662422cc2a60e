'use strict';
/**
 * `npm run package`: the deployment package of the Functions app in .deploy/app, what `azd deploy` (or
 * `func azure functionapp publish` from that folder) uploads: the app compiled from src/ (no CLI, no
 * emulators), host.json (or infra/host.dts.json for the Durable Task Scheduler), a package.json with the
 * production dependencies only, and their node_modules installed from the lock file's versions. docs/deploy.md describes the layout.
 */
const { spawnSync } = require('node:child_process');
const { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const out = join(root, '.deploy', 'app');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`package: ${[command, ...args].join(' ')} failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
}

const started = Date.now();
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

console.log('package: compiling src/ into .deploy/app/dist');
run(
  process.execPath,
  [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.app.json', '--outDir', join(out, 'dist')],
  root,
);

run(process.execPath, [join(__dirname, 'copy-ui-assets.js'), join(out, 'dist', 'src', 'ui')], root);
// host.json follows the Durable backend the deployment chose (azd passes its environment value through).
const backend = process.env.FLOTILLA_DURABLE_BACKEND || 'AzureStorage';
const hostFiles = { AzureStorage: 'host.json', DurableTaskScheduler: 'infra/host.dts.json' };
if (!(backend in hostFiles)) {
  console.error(
    `package: FLOTILLA_DURABLE_BACKEND is "${backend}"; expected AzureStorage or DurableTaskScheduler`,
  );
  process.exit(1);
}
cpSync(join(root, hostFiles[backend]), join(out, 'host.json'));
cpSync(join(root, '.funcignore'), join(out, '.funcignore'));

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const appPackage = {
  name: pkg.name,
  version: pkg.version,
  description: pkg.description,
  license: pkg.license,
  private: true,
  main: pkg.main,
  engines: { node: '>=20' },
  dependencies: pkg.dependencies,
};
writeFileSync(join(out, 'package.json'), `${JSON.stringify(appPackage, null, 2)}\n`);

// The root lock file pins every version; npm keeps what the production dependencies need and drops the
// rest (dev dependencies, the workspaces), so the package installs exactly what was tested.
cpSync(join(root, 'package-lock.json'), join(out, 'package-lock.json'));
console.log('package: installing production dependencies');
run(
  npm,
  [
    'install',
    '--omit=dev',
    '--ignore-scripts',
    '--no-audit',
    '--no-fund',
    '--prefer-offline',
    '--loglevel=error',
  ],
  out,
);
// The pruned lock file stays (.funcignore keeps it out of the zip), so azd's own install is a no-op.

console.log(`package: .deploy/app ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
