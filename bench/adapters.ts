/**
 * The compute adapters' own cost, against the emulators in simulate mode (virtual clock, nothing runs):
 * - ACI: N steps through the whole happy path (start, final status, logs, release): wall time per step spent in
 *   the adapter (SAS, start journal, SDK, emulator) and management calls per step from the emulator's recorder;
 * - Batch: M tasks of one run: time to start them (SAS + collections of 100), add calls, and one completion poll.
 * Prints JSON.
 *
 *   npx tsc -p tsconfig.build.json --outDir /tmp/flotilla-bench && node /tmp/flotilla-bench/bench/adapters.js
 *   node .../adapters.js --steps 200 --tasks 2000
 */
import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { BatchSharedKeyCredentials } from '@azure/batch';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { mkdtempSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startAciEmulator } from '../packages/emulators/aci';
import { startBatchEmulator } from '../packages/emulators/batch';
import { VirtualClock } from '../packages/emulators/common/clock';
import { SYSTEM_IDENTITY, mintToken, resourceFromScope } from '../packages/emulators/identity';
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite } from '../packages/emulators/stack/azurite';
import { ensureDevCertificate } from '../packages/emulators/stack/tls';
import { AciBackend } from '../src/compute/aci/aci-backend';
import { BatchBackend } from '../src/compute/batch/batch-backend';
import { createBatchClient } from '../src/compute/batch/batch-client';
import { defaultCallPolicy } from '../src/adapters/call-policy';
import type { StepLaunch } from '../src/compute/port';
import { DefaultSecretResolver } from '../src/secrets/secret-resolver';
import { BlobStore } from '../src/storage/blob-store';
import { SharedKeySasSigner } from '../src/storage/sas';

const { values } = parseArgs({
  options: { steps: { type: 'string', default: '100' }, tasks: { type: 'string', default: '1000' } },
});
const STEPS = Number(values.steps);
const TASKS = Number(values.tasks);

const credential: TokenCredential = {
  getToken: (scopes): Promise<AccessToken> => {
    const scope = Array.isArray(scopes) ? (scopes[0] ?? '') : scopes;
    const { token, claims } = mintToken(resourceFromScope(scope), SYSTEM_IDENTITY, Date.now(), 3600);
    return Promise.resolve({ token, expiresOnTimestamp: claims.exp * 1000 });
  },
};

const launch = (runId: string, i: number, over: Partial<StepLaunch> = {}): StepLaunch => ({
  runId,
  imageKey: `img-${i}`,
  step: 'tile',
  attempt: 1,
  containerImage: 'busybox:1.36',
  command: 'true',
  cpu: 1,
  memoryGb: 1,
  inputs: [{ container: 'bench', blob: `in/img-${i}.tif` }],
  outputs: { container: 'bench', prefix: `runs/${runId}/img-${i}/tile` },
  logs: { container: 'bench', prefix: `runs/${runId}/img-${i}/tile/logs` },
  timeoutMs: 600_000,
  ...over,
});

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'flotilla-bench-adapters-'));
  const cert = await ensureDevCertificate(join(work, 'tls'));
  const azurite = await startAzurite();
  const clock = new VirtualClock(Date.now());
  const aciEmulator = await startAciEmulator({
    mode: 'simulate',
    workRoot: join(work, 'aci'),
    tls: { cert: cert.cert, key: cert.key },
    clock,
    provisioningMs: 1_000,
    quotas: { coresPerRegion: 1e6, groupsPerRegion: 1e6, createsPer5Min: 1e6, createsPerHour: 1e6 },
    simulate: (spec) => ({ durationMs: spec.init ? 1_000 : 5_000, exitCode: 0, logs: 'ok\n' }),
  });
  const batchEmulator = await startBatchEmulator({
    account: 'bench',
    key: Buffer.from('bench-key').toString('base64'),
    mode: 'simulate',
    clock,
    simulate: { durationMs: 5_000, exitCode: 0 },
  });
  try {
    const policy = defaultCallPolicy(30_000);
    const store = new BlobStore(
      BlobServiceClient.fromConnectionString(azurite.connectionString),
      new SharedKeySasSigner(new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY)),
      { policy, pipelinesContainer: 'pipelines' },
    );
    const secrets = new DefaultSecretResolver(undefined, {}, 1000);
    const aci = new AciBackend({
      client: new ContainerInstanceManagementClient(credential, '00000000-0000-0000-0000-0000000000b2', {
        endpoint: aciEmulator.url,
        credentialScopes: ['https://management.azure.com/.default'],
        agent: new Agent({ ca: cert.cert, keepAlive: true }),
        retryOptions: { maxRetries: 0 },
      }),
      deploymentId: 'bench-adapters',
      resourceGroup: 'bench',
      location: 'westeurope',
      stagerImage: 'stager:bench',
      policy,
      store,
      secrets,
      callbackUrl: () => 'http://127.0.0.1:9/api/callbacks/x',
      now: () => clock.now(),
    });
    await store.ensureContainer('bench');

    const aciStart = performance.now();
    const refs = Array.from({ length: STEPS }, (_, i) => launch('bench-aci', i));
    for (const ref of refs) await aci.start([ref]);
    const aciStarted = performance.now();
    await clock.advance(10_000);
    for (const ref of refs) {
      await aci.status(ref);
      await aci.saveLogs(ref);
      await aci.release(ref);
    }
    const aciDone = performance.now();
    const aciCounts = aciEmulator.recorder.counts();
    const n = (k: string) => aciCounts[k] ?? 0;

    const batch = new BatchBackend({
      client: createBatchClient(
        new BatchSharedKeyCredentials(batchEmulator.account, batchEmulator.key),
        batchEmulator.url,
      ),
      deploymentId: 'bench-adapters',
      policy,
      store,
      secrets,
      now: () => clock.now(),
    });
    const pool = { vmSize: 'standard_d2s_v3', maxNodes: 10 };
    const tasks = Array.from({ length: TASKS }, (_, i) => launch('bench-batch', i, { pool }));
    const batchStart = performance.now();
    await batch.start(tasks);
    const batchStarted = performance.now();
    // Step the clock (yielding between steps) until every task has had its turn on the pool's nodes.
    for (let t = 0; t < TASKS * 2_000; t += 5_000) {
      await clock.advance(5_000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const pollStart = performance.now();
    const poll = await batch.pollRun('bench-batch');
    const pollDone = performance.now();
    const batchCounts = batchEmulator.recorder.counts();

    process.stdout.write(
      `${JSON.stringify(
        {
          aci: {
            steps: STEPS,
            startMsPerStep: +((aciStarted - aciStart) / STEPS).toFixed(2),
            statusLogsReleaseMsPerStep: +((aciDone - aciStarted) / STEPS).toFixed(2),
            writesPerStep: (n('ContainerGroups_CreateOrUpdate') + n('ContainerGroups_Delete')) / STEPS,
            readsPerStep:
              (n('ContainerGroups_Get') + n('AsyncOperation_Get') + n('Containers_ListLogs')) / STEPS,
          },
          batch: {
            tasks: TASKS,
            startMs: Math.round(batchStarted - batchStart),
            startMsPerTask: +((batchStarted - batchStart) / TASKS).toFixed(2),
            addCollectionCalls: batchCounts.Task_AddCollection ?? 0,
            completedInOnePoll: poll.completed.length,
            pollMs: Math.round(pollDone - pollStart),
            listCallsForThePoll: batchCounts.Task_List ?? 0,
          },
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await aciEmulator.stop();
    await batchEmulator.stop();
    await azurite.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
