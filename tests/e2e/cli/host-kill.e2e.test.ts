import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { appEnvironment, freePort, type Stack, startStack } from '../../../packages/emulators/stack';
import { stopChild } from '../../../packages/emulators/stack/azurite';
import { trustCertificate } from '../../../packages/emulators/stack/tls';
import { CLI, ROOT } from '../support/cli';
import { waitFor } from '../../support/wait-for';

// The host is a real process here, killed with SIGKILL mid-run (no teardown, no flush), then started again on
// the same state: the run completes, and the sweeper leaves nothing alive in the emulators.
describe('the Functions host killed mid-run', () => {
  let state: string;
  let stack: Stack;
  let untrust: () => void;
  let host: ChildProcess | undefined;
  const key = randomBytes(16).toString('hex');
  const master = randomBytes(16).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  let port: number;

  beforeAll(async () => {
    state = mkdtempSync(join(tmpdir(), 'flotilla-kill-'));
    // Simulated containers: every container runs 3 s of real time, no process.
    stack = await startStack({
      stateDir: state,
      mode: 'simulate',
      aci: { simulate: () => ({ durationMs: 3000, exitCode: 0 }) },
    });
    untrust = trustCertificate(stack.certificate.cert);
    port = await freePort();
  }, 60_000);

  afterAll(async () => {
    if (host) await stopChild(host);
    await stack?.stop();
    untrust?.();
    rmSync(state, { recursive: true, force: true });
  });

  const startHostProcess = async () => {
    host = spawn(
      process.execPath,
      [
        CLI,
        'host',
        '--app',
        ROOT,
        '--port',
        String(port),
        '--state',
        join(state, 'host'),
        '--key',
        key,
        '--master-key',
        master,
        '--quiet',
      ],
      {
        stdio: 'ignore',
        env: { ...process.env, ...appEnvironment(stack.settings, { port, callbackSecret: secret }) },
      },
    );
    await until(
      async () => (await call('GET', '/api/health').catch(() => ({ status: 0 }))).status === 200,
      60_000,
    );
  };

  const call = async (method: string, path: string, body?: unknown, admin = false) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { 'x-functions-key': admin ? master : key, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: (text ? JSON.parse(text) : undefined) as Record<string, unknown>,
    };
  };

  it('completes the run after a restart and the sweeper leaves no live resource', async () => {
    const images = BlobServiceClient.fromConnectionString(
      stack.settings.AzureWebJobsStorage,
    ).getContainerClient('images');
    await images.createIfNotExists();
    for (const name of ['a.bin', 'b.bin', 'c.bin'])
      await images.getBlockBlobClient(`kill/${name}`).upload('x', 1);
    await startHostProcess();
    const pipeline = {
      name: 'kill',
      inputs: { container: 'images', prefix: 'kill/' },
      outputs: { container: 'results' },
      defaults: { cpu: 0.5, memoryGB: 1, retries: 1, timeout: '5m' },
      steps: [
        { id: 'first', image: 'busybox:1.36', command: ['true'] },
        { id: 'second', image: 'busybox:1.36', command: ['true'], dependsOn: ['first'] },
      ],
    };
    const started = await call('POST', '/api/runs', { pipeline });
    expect(started.status).toBe(202);
    const runId = started.body.runId as string;

    await until(() => stack.aci.resources().length > 0, 60_000);
    host!.kill('SIGKILL');
    await new Promise((resolve) => host!.once('exit', resolve));
    await startHostProcess();

    let run: Record<string, unknown> = {};
    await until(async () => {
      run = (await call('GET', `/api/runs/${runId}`)).body;
      return ['succeeded', 'partially_succeeded', 'failed', 'cancelled'].includes(run.status as string);
    }, 150_000);
    expect(run.status).toBe('succeeded');
    expect(run.counts).toMatchObject({ total: 3, succeeded: 3 });

    expect((await call('POST', '/admin/functions/sweeper', { input: '' }, true)).status).toBeLessThan(300);
    await until(() => stack.aci.resources().length === 0, 30_000);
    expect(stack.batch.resources().activeJobs).toEqual([]);
  }, 240_000);
});

async function until(done: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  await waitFor(done, { what: 'the condition', timeoutMs, intervalMs: 250 });
}
