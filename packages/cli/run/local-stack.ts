/**
 * The embedded stack behind `flotilla run` without --target: Azurite, the identity endpoint, the ACI and Batch
 * emulators, and this app in the embedded Functions host (a child process, so it trusts the stack's
 * certificate through NODE_EXTRA_CA_CERTS exactly as a deployed app trusts Azure's). The child processes run
 * in their own process groups and die with this one (packages/emulators/common/child-guard.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import type { FaultFile } from '../../emulators/common/faults';
import { appEnvironment, freePort, type Stack, startStack } from '../../emulators/stack';
import {
  EXIT_WITH_PARENT,
  guardedSpawnOptions,
  killWithThisProcess,
} from '../../emulators/common/child-guard';
import { stopChild } from '../../emulators/stack/azurite';
import { trustCertificate } from '../../emulators/stack/tls';
import { LOCAL_STAGER_IMAGE } from '../../emulators/stack';
import { ensureLocalImages } from './local-images';

/**
 * The app folder the host loads (and where the stager build lives): the repository in a clone, the package
 * root in an installed CLI tarball (`npm run pack:cli` gives it the same layout: host.json, dist/src).
 */
export const REPO_ROOT = resolve(__dirname, '../../../..');

/** The CLI's own entry script, to run the host as a child: `bin/` in a tarball, `packages/cli/bin/` in a clone. */
const CLI_ENTRY = [join(REPO_ROOT, 'bin/flotilla.js'), join(REPO_ROOT, 'packages/cli/bin/flotilla.js')].find(
  (file) => existsSync(file),
);

export type ImageMounts = Record<string, Record<string, string>>;

export interface LocalStackOptions {
  readonly stateDir: string;
  /** `auto`: containers when FLOTILLA_LOCAL_ENGINE finds docker or podman, else processes (docs/emulators.md). */
  readonly mode: 'process' | 'simulate' | 'auto';
  readonly faults?: string | FaultFile;
  /** Process mode only: local folders standing in for folders of images (flotilla.local.json). */
  readonly imageMounts: ImageMounts;
  /** The images the pipeline names: built first when an engine lacks them (auto mode). */
  readonly images?: readonly string[];
  readonly log: (line: string) => void;
}

export interface LocalStack {
  readonly baseUrl: string;
  readonly key: string;
  readonly stack: Stack;
  uploadImages(container: string, prefix: string, files: readonly string[]): Promise<string[]>;
  /** Container groups, Batch jobs and tasks still alive in the emulators. */
  liveResources(): { groups: number; activeJobs: number; tasks: number };
  stop(): Promise<void>;
}

/**
 * Image mounts from `flotilla.local.json` beside the pipeline file, if any: which local folders stand in
 * for which folders of which images, e.g. `{ "imageMounts": { "myacr.azurecr.io/neo:*": { "/app": "./steps" } } }`.
 */
export function localImageMounts(pipelineFile: string): ImageMounts {
  const file = join(dirname(resolve(pipelineFile)), 'flotilla.local.json');
  if (!existsSync(file)) return {};
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { imageMounts?: ImageMounts };
  const mounts: ImageMounts = {};
  for (const [image, map] of Object.entries(parsed.imageMounts ?? {})) {
    mounts[image] = Object.fromEntries(
      Object.entries(map).map(([containerPath, hostPath]) => [
        containerPath,
        resolve(dirname(file), hostPath),
      ]),
    );
  }
  return mounts;
}

export async function bootLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const { imageMounts } = options;
  if (options.mode === 'auto')
    ensureLocalImages(REPO_ROOT, [LOCAL_STAGER_IMAGE, ...(options.images ?? [])], options.log);
  options.log('starting the embedded stack (Azurite, identity, ACI and Batch emulators)');
  const stack = await startStack({
    stateDir: options.stateDir,
    mode: options.mode,
    ...(options.faults ? { faults: options.faults } : {}),
    aci: { imageMounts },
    batch: { imageMounts },
  });
  const execution = stack.execution;
  options.log(
    execution.mode === 'container'
      ? `running steps as ${execution.engine} containers`
      : execution.mode === 'process'
        ? `running steps as local processes${execution.reason?.startsWith('no container engine') ? ' (no container engine found)' : ''}`
        : 'simulating steps (nothing runs)',
  );
  let host: ChildProcess | undefined;
  try {
    const port = await freePort();
    const key = randomBytes(24).toString('base64url');
    const baseUrl = `http://127.0.0.1:${port}`;
    mkdirSync(options.stateDir, { recursive: true });
    const hostLog = join(options.stateDir, 'host.log');
    options.log(`starting the Functions host on ${baseUrl} (log: ${hostLog})`);
    // Its own process group, so a Ctrl-C in the terminal reaches only this process (which cancels the run and
    // tears down in order); it still exits with this process (see common/child-guard.ts).
    host = spawn(
      process.execPath,
      [
        ...EXIT_WITH_PARENT,
        CLI_ENTRY ?? join(REPO_ROOT, 'packages/cli/bin/flotilla.js'),
        'host',
        '--app',
        REPO_ROOT,
        '--port',
        String(port),
        '--key',
        key,
        '--state',
        join(options.stateDir, 'host'),
        '--quiet',
      ],
      {
        ...guardedSpawnOptions('ignore', 'pipe'),
        env: {
          ...process.env,
          ...appEnvironment(stack.settings, {
            port,
            callbackSecret: randomBytes(32).toString('base64url'),
            ...(process.env.FLOTILLA_TASK_HUB ? { taskHub: process.env.FLOTILLA_TASK_HUB } : {}),
          }),
        },
      },
    );
    killWithThisProcess(host);
    host.stderr?.pipe(createWriteStream(hostLog, { flags: 'a' }));
    await waitForHealth(baseUrl, host);
    // This process talks to the stack's Azurite too (image upload): trust the stack's certificate here.
    const untrust = trustCertificate(stack.certificate.cert);
    const blobs = BlobServiceClient.fromConnectionString(stack.settings.AzureWebJobsStorage);
    const child = host;
    return {
      baseUrl,
      key,
      stack,
      async uploadImages(container, prefix, files) {
        const client = blobs.getContainerClient(container);
        await client.createIfNotExists();
        const names: string[] = [];
        for (const file of files) {
          const name = `${prefix}${basename(file)}`;
          await client.getBlockBlobClient(name).uploadFile(file);
          names.push(name);
        }
        return names;
      },
      liveResources() {
        const batch = stack.batch.resources();
        return {
          groups: stack.aci.resources().length,
          activeJobs: batch.activeJobs.length,
          tasks: batch.tasks.active + batch.tasks.running,
        };
      },
      async stop() {
        await stopChild(child);
        await stack.stop();
        untrust();
      },
    };
  } catch (error) {
    if (host) await stopChild(host);
    await stack.stop();
    throw error;
  }
}

async function waitForHealth(baseUrl: string, host: ChildProcess, timeoutMs = 60_000): Promise<void> {
  let stderr = '';
  host.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (host.exitCode !== null)
      throw new Error(`the Functions host exited (code ${host.exitCode}):\n${stderr}`);
    try {
      const response = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the Functions host did not answer within ${timeoutMs / 1000} s:\n${stderr}`);
}
