import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { BatchServiceClient, BatchSharedKeyCredentials } from '@azure/batch';
import { ManagedIdentityCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { trustCertificate } from '../../../../packages/emulators/stack/tls';
import { waitFor } from '../../../support/wait-for';

/** `flotilla emulators` as a user runs it: the compiled CLI in its own process, stopped with Ctrl-C. */
const root = resolve(__dirname, '../../../..');
const bin = join(root, 'packages/cli/bin/flotilla.js');
let stateDir: string;
const savedEnv = {
  IDENTITY_ENDPOINT: process.env.IDENTITY_ENDPOINT,
  IDENTITY_HEADER: process.env.IDENTITY_HEADER,
};

beforeAll(() => {
  const built = join(root, 'dist/packages/cli/commands/emulators.js');
  const source = join(root, 'packages/cli/commands/emulators.ts');
  if (!existsSync(built) || statSync(built).mtimeMs < statSync(source).mtimeMs) {
    throw new Error('the CLI build is missing or stale: run `npm run build` (npm test does it first)');
  }
  stateDir = mkdtempSync(join(tmpdir(), 'flotilla-cli-emu-'));
});

afterAll(() => {
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  rmSync(stateDir, { recursive: true, force: true });
});

/** Child process ids of `pid`, from /proc. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Running (not gone, not a zombie waiting to be reaped). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The processes still running after up to `ms` (a killed process takes a moment to go). */
async function survivors(pids: readonly number[], ms = 3000): Promise<number[]> {
  await waitFor(() => !pids.some(alive), {
    what: 'the processes to end',
    timeoutMs: ms,
    intervalMs: 50,
  }).catch(() => undefined);
  return pids.filter(alive);
}

function readSettings(child: ChildProcess): Promise<Record<string, string>> {
  return new Promise((resolveSettings, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      try {
        resolveSettings(JSON.parse(out) as Record<string, string>);
      } catch {
        // not complete yet
      }
    });
    child.once('exit', (code) => reject(new Error(`flotilla emulators exited with ${code}:\n${err}`)));
  });
}

test('prints settings that reach each service, and Ctrl-C stops everything it started', async () => {
  const faults = join(stateDir, 'faults.json');
  writeFileSync(
    faults,
    JSON.stringify({ rules: [{ service: 'aci', kind: 'throttle', resource: '^never$' }] }),
  );
  const child = spawn(
    process.execPath,
    [bin, 'emulators', '--state', stateDir, '--simulate', '--json', '--faults', faults],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  try {
    const settings = await readSettings(child);
    expect(settings.FLOTILLA_EMULATOR_FAULTS).toBe(faults);
    const untrust = trustCertificate(readFileSync(settings.NODE_EXTRA_CA_CERTS!, 'utf8'));
    process.env.IDENTITY_ENDPOINT = settings.IDENTITY_ENDPOINT;
    process.env.IDENTITY_HEADER = settings.IDENTITY_HEADER;
    const credential = new ManagedIdentityCredential();

    const blobs = new BlobServiceClient(settings.FLOTILLA_STORAGE_BLOB_URL!, credential);
    await blobs.getContainerClient('cli-test').create();
    const arm = new ContainerInstanceManagementClient(credential, settings.FLOTILLA_SUBSCRIPTION_ID!, {
      endpoint: settings.FLOTILLA_ARM_ENDPOINT,
      credentialScopes: ['https://management.azure.com/.default'],
    });
    const rg = settings.FLOTILLA_RESOURCE_GROUP!;
    await arm.containerGroups.beginCreateOrUpdate(rg, 'cli-cg', {
      location: settings.FLOTILLA_LOCATION,
      osType: 'Linux',
      containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: 1, memoryInGB: 1 } } }],
    });
    expect((await arm.containerGroups.get(rg, 'cli-cg')).name).toBe('cli-cg');
    untrust();
    const batch = new BatchServiceClient(
      new BatchSharedKeyCredentials(
        settings.FLOTILLA_EMULATOR_BATCH_ACCOUNT!,
        settings.FLOTILLA_EMULATOR_BATCH_KEY!,
      ),
      settings.FLOTILLA_BATCH_URL!,
    );
    expect((await batch.pool.get(settings.FLOTILLA_BATCH_POOL_ID!)).id).toBe('flotilla');

    const children = childrenOf(child.pid!);
    expect(children.length).toBeGreaterThan(0);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(await survivors(children)).toEqual([]);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('a second signal while stopping exits at once (130) and still leaves no child behind', async () => {
  const child = spawn(process.execPath, [bin, 'emulators', '--state', stateDir, '--simulate'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  let err = '';
  try {
    await new Promise<void>((ready, reject) => {
      child.stderr.on('data', (c: Buffer) => {
        err += c.toString();
        if (err.includes('ready')) ready();
      });
      child.once('exit', () => reject(new Error(err)));
    });
    const children = childrenOf(child.pid!);
    expect(children.length).toBeGreaterThan(0);
    child.kill('SIGTERM');
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(err).toContain('stopping now');
    expect(await survivors(children)).toEqual([]);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('a bad --port-base is refused with the allowed range', () => {
  const result = spawnSync(process.execPath, [bin, 'emulators', '--port-base', 'ten'], { encoding: 'utf8' });
  expect(result.status).toBe(64);
  expect(result.stderr).toContain('expected a whole number from 1024 to 65531, got "ten"');
});
