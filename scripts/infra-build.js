#!/usr/bin/env node
'use strict';
// `npm run infra:build`: compiles infra/main.bicep to ARM JSON (.tools/infra/main.json) with the real Bicep
// CLI and lints every infra/**/*.bicep file; fails on any error or warning (rule levels: infra/bicepconfig.json).
// The compiler is the native NuGet package Azure.Bicep.CommandLine.linux-x64, restored on first use by
// `dotnet restore infra/tools/bicep.csproj` into .tools/nuget (both folders are git-ignored). Offline after that.
const { spawnSync } = require('node:child_process');
const { chmodSync, existsSync, mkdirSync } = require('node:fs');
const { join, relative } = require('node:path');

const root = join(__dirname, '..');
const BICEP_PACKAGE = 'azure.bicep.commandline.linux-x64';
const BICEP_VERSION = '0.49.2'; // keep in step with infra/tools/bicep.csproj
const packagesDir = join(root, '.tools', 'nuget');
const bicepPath = join(packagesDir, BICEP_PACKAGE, BICEP_VERSION, 'tools', 'bicep');
const outDir = join(root, '.tools', 'infra');
const mainBicep = join(root, 'infra', 'main.bicep');
const mainJson = join(outDir, 'main.json');

/** A Bicep diagnostic line: `<file>(<line>,<col>) : <Level> <code>: <message>`. */
const DIAGNOSTIC = /^(.+)\((\d+),(\d+)\) : (Error|Warning|Info) ([\w-]+): (.*)$/;

function run(command, args, what) {
  const result = spawnSync(command, args, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' },
  });
  if (result.error) throw new Error(`${what}: could not run ${command}: ${result.error.message}`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function ensureBicep() {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Error(
      `infra:build: the restored Bicep compiler is ${BICEP_PACKAGE} (linux x64 only); this is ${process.platform} ${process.arch}`,
    );
  if (!existsSync(bicepPath)) {
    const restore = run(
      'dotnet',
      ['restore', join('infra', 'tools', 'bicep.csproj'), '--packages', packagesDir],
      'restoring the Bicep CLI',
    );
    if (restore.status !== 0 || !existsSync(bicepPath))
      throw new Error(
        `infra:build: dotnet restore of ${BICEP_PACKAGE} ${BICEP_VERSION} failed (exit ${restore.status}):\n${restore.output}`,
      );
  }
  chmodSync(bicepPath, 0o755);
  return bicepPath;
}

/** Diagnostics found in a Bicep command's output (paths relative to the repository). */
function diagnostics(output) {
  return output
    .split(/\r?\n/)
    .map((line) => DIAGNOSTIC.exec(line.trim()))
    .filter((m) => m !== null)
    .map((m) => `${relative(root, m[1])}:${m[2]}:${m[3]}: ${m[4]} ${m[5]}: ${m[6]}`);
}

/** Compiles and lints; returns the compiled template's path. Throws with every diagnostic on any finding. */
function buildInfra() {
  const bicep = ensureBicep();
  mkdirSync(outDir, { recursive: true });
  const problems = [];
  const build = run(bicep, ['build', mainBicep, '--outfile', mainJson], 'bicep build');
  problems.push(...diagnostics(build.output));
  if (build.status !== 0 && problems.length === 0)
    problems.push(`bicep build exited ${build.status}: ${build.output.trim()}`);
  const lint = run(bicep, ['lint', '--pattern', 'infra/**/*.bicep'], 'bicep lint');
  problems.push(...diagnostics(lint.output));
  if (lint.status !== 0 && problems.length === 0)
    problems.push(`bicep lint exited ${lint.status}: ${lint.output.trim()}`);
  const unique = [...new Set(problems)];
  if (unique.length > 0)
    throw new Error(`infra:build: ${unique.length} Bicep diagnostic(s), none allowed:\n${unique.join('\n')}`);
  return mainJson;
}

module.exports = { buildInfra, mainJson };

if (require.main === module) {
  try {
    const started = Date.now();
    const out = buildInfra();
    process.stdout.write(
      `infra:build: compiled and linted infra/ with Bicep ${BICEP_VERSION}, no diagnostics -> ${relative(root, out)} (${Date.now() - started} ms)\n`,
    );
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  }
}
