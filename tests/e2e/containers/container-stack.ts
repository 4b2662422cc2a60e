/**
 * The embedded stack in container mode (podman) with the flotilla app in the embedded Functions host, on the
 * real clock: every step and stager is a real container (docs/emulators.md, 'Executor modes'). Fails, never
 * skips, when podman is missing (buildWithPodman says how to install it). Tests wait on conditions only.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { EMULATOR_LABEL } from '../../../packages/emulators/common/container-executor';
import { resolveLocalEngine } from '../../../packages/emulators/common/engine';
import { startHost, type Host } from '../../../packages/emulators/functions';
import {
  appEnvironment,
  freePort,
  LOCAL_STAGER_IMAGE,
  type Stack,
  startStack,
} from '../../../packages/emulators/stack';
import { trustCertificate } from '../../../packages/emulators/stack/tls';
import type { RunView } from '../../../src/api/run-view';
import { setAppDeps, setComposition } from '../../../src/composition';
import type { Manifest } from '../../../src/runs/records';
import { waitFor } from '../../support/wait-for';
import { buildWithPodman } from '../../integration/containers/podman';
import { CALLBACK_SECRET } from '../support/harness';

export const SAMPLE_IMAGE = 'flotilla-samples/damage-assessment:1.0';
const appDir = join(__dirname, '..', 'app');

export interface ContainerE2E {
  readonly stack: Stack;
  readonly host: Host;
  readonly blobs: BlobServiceClient;
  /** The `flotilla.emulator` label value of this stack's containers. */
  readonly stackId: string;
  api<T = Record<string, unknown>>(
    name: string,
    call?: Parameters<Host['invokeHttp']>[1],
  ): Promise<{ status: number; body: T }>;
  /** Starts a run; returns its id. */
  start(body: Record<string, unknown>): Promise<string>;
  /** Waits (real time) until the run has ended; returns its view and manifest. */
  ended(runId: string, timeoutMs?: number): Promise<{ view: RunView; manifest: Manifest }>;
  /** Names of this stack's containers the engine still has (`podman ps -a` by label). */
  containers(filter?: string): string[];
  stop(): Promise<void>;
}

/** Names of the containers `podman ps -a` lists with every label filter given (`key` or `key=value`). */
export function podmanPs(...labels: string[]): string[] {
  const listed = spawnSync(
    'podman',
    ['ps', '-a', ...labels.flatMap((l) => ['--filter', `label=${l}`]), '--format', '{{.Names}}'],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (listed.status !== 0) throw new Error(`podman ps failed: ${listed.stderr}`);
  return listed.stdout.split('\n').filter(Boolean);
}

export async function startContainerE2E(): Promise<ContainerE2E> {
  buildWithPodman();
  const resolved = resolveLocalEngine(LOCAL_STAGER_IMAGE, {
    ...process.env,
    FLOTILLA_LOCAL_ENGINE: 'podman',
  });
  if (resolved.kind !== 'container') throw new Error(`podman cannot run containers here: ${resolved.reason}`);
  const stateDir = mkdtempSync(join(tmpdir(), 'flotilla-ce2e-'));
  const stack = await startStack({ stateDir, mode: 'container', engine: resolved.engine });
  if (stack.execution.mode !== 'container') throw new Error('the stack did not start in container mode');
  const stackId = stack.execution.stackId;
  const untrust = trustCertificate(stack.certificate.cert);
  const saved = {
    IDENTITY_ENDPOINT: process.env.IDENTITY_ENDPOINT,
    IDENTITY_HEADER: process.env.IDENTITY_HEADER,
  };
  process.env.IDENTITY_ENDPOINT = stack.settings.IDENTITY_ENDPOINT;
  process.env.IDENTITY_HEADER = stack.settings.IDENTITY_HEADER;
  const port = await freePort();
  setComposition(undefined);
  setAppDeps(undefined);
  const host = await startHost({
    appDir,
    clock: stack.clock,
    port,
    env: appEnvironment(stack.settings, {
      port,
      callbackSecret: CALLBACK_SECRET,
      taskHub: 'containers',
      extra: { FLOTILLA_SWEEP_SCHEDULE: '0 0 0 1 1 *' },
    }),
    stateDir: join(stateDir, 'host'),
    blobPollIntervalMs: false,
    log: process.env.E2E_DEBUG ? (line: unknown) => console.log(line) : () => undefined,
  });
  const e2e: ContainerE2E = {
    stack,
    host,
    blobs: BlobServiceClient.fromConnectionString(stack.azurite.connectionString),
    stackId,
    async api<T>(name: string, call?: Parameters<Host['invokeHttp']>[1]) {
      const response = await host.invokeHttp(name, call);
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: response.status, body: body as T };
    },
    async start(body) {
      const started = await e2e.api<{ runId: string }>('startRun', { body });
      if (started.status !== 202)
        throw new Error(`start failed: ${started.status} ${JSON.stringify(started.body)}`);
      return started.body.runId;
    },
    async ended(runId, timeoutMs = 180_000) {
      const view = await waitFor(
        async () => {
          const got = (await e2e.api<RunView>('getRun', { params: { id: runId } })).body;
          return got.phase === 'done' || got.runtimeStatus === 'Completed' || got.runtimeStatus === 'Failed'
            ? got
            : undefined;
        },
        { what: `run ${runId} to end`, timeoutMs, intervalMs: 500 },
      );
      const manifest = (await e2e.api<Manifest>('runManifest', { params: { id: runId } })).body;
      return { view, manifest };
    },
    containers: (filter) => podmanPs(`${EMULATOR_LABEL}=${stackId}`, ...(filter ? [filter] : [])),
    async stop() {
      await host.stop();
      await stack.stop();
      untrust();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      setComposition(undefined);
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
  return e2e;
}

/** A one-step pipeline over `images/<prefix>` running `command` in the sample image. */
export function aContainerPipeline(
  name: string,
  step: Record<string, unknown>,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name,
    inputs: { container: 'images', prefix: `${name}/` },
    outputs: { container: 'outputs' },
    defaults: { cpu: 0.5, memoryGB: 0.5, timeout: '3m', retries: 0 },
    steps: [{ id: 'step', image: SAMPLE_IMAGE, ...step }],
    teardown: { keepOnFailure: '0m' },
    ...overrides,
  };
}

export async function uploadInput(e2e: ContainerE2E, name: string): Promise<void> {
  const client = e2e.blobs.getContainerClient('images');
  await client.createIfNotExists();
  await client.getBlockBlobClient(`${name}/scene.pgm`).upload('pixels', 6);
}

/**
 * A node program that touches `mb` MB and prints the container's memory limit first (cgroup v1 or v2), so
 * its logs show what the container was created with.
 */
export function memoryHog(mb: number): string {
  return [
    'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max;',
    `node -e 'const a = []; for (let i = 0; i < ${mb / 8}; i++) a.push(Buffer.alloc(8 * 1024 * 1024, 1)); console.log("allocated ${mb} MB")'`,
  ].join(' ');
}
