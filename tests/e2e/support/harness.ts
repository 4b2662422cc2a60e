/**
 * End-to-end harness: the embedded stack (Azurite, identity, ACI and Batch emulators in simulate mode) and the
 * embedded Functions host running the flotilla app, all on one VirtualClock. Tests talk to the app through its
 * HTTP API only, and skip time with `until()`.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { STAGING_CONTAINER_PREFIX } from '../../../src/compute/naming';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../../../packages/emulators/common/clock';
import type { FaultFile } from '../../../packages/emulators/common/faults';
import { startHost, type Host } from '../../../packages/emulators/functions';
import {
  appEnvironment,
  freePort,
  type Stack,
  type StackOptions,
  startStack,
} from '../../../packages/emulators/stack';
import { trustCertificate } from '../../../packages/emulators/stack/tls';
import { setComposition } from '../../../src/composition';
import { type AppDeps, appDepsFromComposition, setAppDeps } from '../../../src/composition';
import type { RunView } from '../../../src/api/run-view';
import { waitFor } from '../../support/wait-for';

export const CALLBACK_SECRET = 'e2e-callback-secret-of-at-least-32-characters';
const appDir = join(__dirname, '..', 'app');

export interface E2EOptions {
  readonly faults?: FaultFile;
  readonly aci?: StackOptions['aci'];
  readonly batch?: StackOptions['batch'];
  /** App settings on top of the harness's own (e.g. FLOTILLA_ACI_CORE_QUOTA). */
  readonly settings?: Readonly<Record<string, string>>;
  /** Wraps the app's dependencies (e.g. a store that fails some writes, as a storage outage would). */
  readonly wrapDeps?: (deps: AppDeps) => AppDeps;
}

export interface E2E {
  readonly stack: Stack;
  readonly clock: VirtualClock;
  host: Host;
  readonly blobs: BlobServiceClient;
  readonly stateDir: string;
  /** Advances the clock in steps until `done()` holds (real-time cap `timeoutMs`). */
  until(
    done: () => Promise<boolean> | boolean,
    options?: { stepMs?: number; timeoutMs?: number },
  ): Promise<void>;
  api<T = Record<string, unknown>>(
    name: string,
    call?: Parameters<Host['invokeHttp']>[1],
  ): Promise<{ status: number; body: T }>;
  /** Stops the host (as a crash would: durable state stays) and starts a new one on the same state. */
  restartHost(): Promise<void>;
  stop(): Promise<void>;
}

export async function startE2E(options: E2EOptions = {}): Promise<E2E> {
  const stateDir = mkdtempSync(join(tmpdir(), 'flotilla-e2e-'));
  const clock = new VirtualClock(Date.now());
  const stack = await startStack({
    stateDir,
    mode: 'simulate',
    clock,
    ...(options.faults ? { faults: options.faults } : {}),
    aci: { provisioningMs: 3000, ...options.aci },
    batch: { simulate: { durationMs: 20_000, exitCode: 0 }, ...options.batch },
  });
  const untrust = trustCertificate(stack.certificate.cert);
  const saved = {
    IDENTITY_ENDPOINT: process.env.IDENTITY_ENDPOINT,
    IDENTITY_HEADER: process.env.IDENTITY_HEADER,
  };
  process.env.IDENTITY_ENDPOINT = stack.settings.IDENTITY_ENDPOINT;
  process.env.IDENTITY_HEADER = stack.settings.IDENTITY_HEADER;
  const port = await freePort();
  const env = appEnvironment(stack.settings, {
    port,
    callbackSecret: CALLBACK_SECRET,
    taskHub: 'e2e',
    // Sweeps run only when a test invokes the sweeper.
    extra: {
      FLOTILLA_SWEEP_SCHEDULE: '0 0 0 1 1 *',
      FLOTILLA_STAGER_IMAGE: 'flotilla/stager:e2e',
      ...options.settings,
    },
  });
  const hostState = join(stateDir, 'host');
  const boot = async () => {
    setComposition(undefined);
    // The app's own clock reads (admission windows, keepOnFailure expiry) follow the virtual clock too.
    const now = () => clock.now();
    setAppDeps(() => {
      const deps = appDepsFromComposition();
      const timed = { ...deps, now, activities: { ...deps.activities, now } };
      return options.wrapDeps ? options.wrapDeps(timed) : timed;
    });
    return startHost({
      appDir,
      clock,
      port,
      env,
      stateDir: hostState,
      blobPollIntervalMs: false,
      log: process.env.E2E_DEBUG ? (line: unknown) => console.log(line) : () => undefined,
    });
  };
  const e2e: E2E = {
    stack,
    clock,
    host: await boot(),
    blobs: BlobServiceClient.fromConnectionString(stack.azurite.connectionString),
    stateDir,
    async until(done, { stepMs = 2000, timeoutMs = 60_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      while (!(await done())) {
        if (Date.now() > deadline)
          throw new Error(
            `condition not met within ${timeoutMs} ms (virtual time ${new Date(clock.now()).toISOString()})`,
          );
        await clock.advance(stepMs);
        // What that step of time started (activities, episodes, due emulator work) has run before the next.
        await waitFor(() => clock.dueNow() === 0 && e2e.host.engine.idle(), {
          what: 'the host and the emulators to finish the work due',
          timeoutMs: Math.max(1, deadline - Date.now()),
          intervalMs: 5,
        });
      }
    },
    async api<T>(name: string, call?: Parameters<Host['invokeHttp']>[1]) {
      const response = await e2e.host.invokeHttp(name, call);
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: response.status, body: body as T };
    },
    async restartHost() {
      await e2e.host.stop();
      e2e.host = await boot();
    },
    async stop() {
      await e2e.host.stop();
      await stack.stop();
      untrust();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      setComposition(undefined);
      setAppDeps(undefined);
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
  return e2e;
}

/** A pipeline spec (as the API takes it inline) with three chained steps. */
export function aPipeline(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'damage',
    inputs: { container: 'images', prefix: 'damage/' },
    outputs: { container: 'outputs' },
    concurrency: 2,
    steps: [
      { id: 'tile', image: 'busybox:1.36', command: 'tile', timeout: '10m', retries: 1 },
      {
        id: 'predict',
        image: 'busybox:1.36',
        command: 'predict',
        dependsOn: ['tile'],
        timeout: '10m',
        retries: 1,
      },
      {
        id: 'vectorize',
        image: 'busybox:1.36',
        command: 'vectorize',
        dependsOn: ['predict'],
        timeout: '10m',
        retries: 1,
      },
    ],
    ...overrides,
  };
}

export async function uploadImages(e2e: E2E, names: readonly string[], container = 'images'): Promise<void> {
  const client = e2e.blobs.getContainerClient(container);
  await client.createIfNotExists();
  for (const name of names) await client.getBlockBlobClient(name).upload('pixels', 6);
}

/** Starts a run through the API and waits (on the virtual clock) until it has ended. */
export async function runToEnd(
  e2e: E2E,
  body: Record<string, unknown>,
  options?: { timeoutMs?: number; stepMs?: number },
) {
  const started = await e2e.api('startRun', { body });
  if (started.status !== 202)
    throw new Error(`start failed: ${started.status} ${JSON.stringify(started.body)}`);
  const runId = (started.body as { runId: string }).runId;
  let view: RunView | undefined;
  await e2e.until(async () => {
    view = (await e2e.api<RunView>('getRun', { params: { id: runId } })).body;
    return view.runtimeStatus === 'Completed' || view.runtimeStatus === 'Failed';
  }, options);
  if (!view) throw new Error('no run view');
  return { runId, view };
}

/** Batch staging containers (`fl-stage-*`) still in the stack's Azurite: none once every run has ended. */
export async function stagingContainersLeft(e2e: E2E): Promise<string[]> {
  const names: string[] = [];
  for await (const c of e2e.blobs.listContainers({ prefix: STAGING_CONTAINER_PREFIX })) names.push(c.name);
  return names;
}
