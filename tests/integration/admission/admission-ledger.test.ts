import type { ActivityDeps } from '../../../src/activities/deps';
import { acquireAdmission } from '../../../src/activities/acquire-admission.activity';
import { releaseAdmission } from '../../../src/activities/release-admission.activity';
import type { Ledger } from '../../../src/admission/policy';
import { groupCores } from '../../../src/compute/aci/group-body';
import type { ComputeBackend } from '../../../src/compute/port';
import { defaultCallPolicy } from '../../../src/adapters/call-policy';
import { RESULTS_CONTAINER, runPaths, STATE_CONTAINER, statePaths } from '../../../src/runs/paths';
import { BlobStore } from '../../../src/storage/blob-store';
import { noSas } from '../../support/no-sas';
import { azuriteBlobService } from '../../support/azurite';

/** The admission ledger against a real Azurite: ETag conflicts between concurrent activities are retried. */
const service = azuriteBlobService();
const store = new BlobStore(service, noSas, {
  policy: defaultCallPolicy(10_000),
  pipelinesContainer: 'pipelines',
});
let now = Date.UTC(2026, 0, 1);
const deps: ActivityDeps = {
  store,
  // Admission asks the backend what a step holds; the ACI answer is the group body's own requests.
  compute: () => ({ admissionCores: groupCores }) as unknown as ComputeBackend,
  limits: {
    aciCreatesPer5Min: 100,
    aciCreatesPerHour: 300,
    aciCoreQuota: 100,
    aciGroupQuota: 10,
    aciDeletesPer5Min: 100,
    aciDeletesPerHour: 300,
    batchActiveJobQuota: 5,
    admissionTimeoutMs: 3_600_000,
    teardownWaitMs: 600_000,
  },
  prices: { aciVcpuSecond: 0, aciGbSecond: 0, batchNodeHour: 0, currency: 'USD' },
  now: () => now,
  log: () => undefined,
  notifyStep: () => Promise.reject(new Error('not used')),
};
const acquire = acquireAdmission(deps);
const release = releaseAdmission(deps);

beforeAll(async () => {
  await service.getContainerClient(STATE_CONTAINER).createIfNotExists();
  await service
    .getContainerClient(STATE_CONTAINER)
    .getBlockBlobClient(statePaths.ledger('aci'))
    .deleteIfExists();
});

test('concurrent acquisitions never over-grant: exactly the group quota is granted, the rest wait', async () => {
  const requests = Array.from({ length: 25 }, (_, i) => ({
    kind: 'aci' as const,
    leaseId: `r-ledger:img${i}:tile#1`,
    runId: 'r-ledger',
    cpu: 1,
    memoryGb: 1,
    waitedMs: 0,
    leaseMs: 600_000,
  }));
  const answers = await Promise.all(requests.map((r) => acquire(r)));
  expect(answers.filter((a) => a.granted)).toHaveLength(10);
  for (const refused of answers.filter((a) => !a.granted)) {
    expect(refused).toMatchObject({ granted: false, cancelled: false, reason: 'ACI group quota' });
  }
  const stored = await store.readManifest<Ledger>(STATE_CONTAINER, statePaths.ledger('aci'));
  expect(stored?.value.leases).toHaveLength(10);
  expect(stored?.value.creates).toHaveLength(10);
  // Release every lease (twice: release is idempotent), then the next request is granted.
  const granted = requests.filter((_, i) => answers[i]?.granted);
  await Promise.all(granted.map((r) => release({ kind: 'aci', leaseId: r.leaseId })));
  await Promise.all(granted.map((r) => release({ kind: 'aci', leaseId: r.leaseId })));
  const after = await store.readManifest<Ledger>(STATE_CONTAINER, statePaths.ledger('aci'));
  expect(after?.value.leases).toEqual([]);
  now += 1000;
  expect(await acquire({ ...requests[24]!, leaseId: 'r-ledger:late#1' })).toEqual({ granted: true });
  await release({ kind: 'aci', leaseId: 'r-ledger:late#1' });
}, 30_000);

test('a cancelled run is never admitted', async () => {
  await store.putText(RESULTS_CONTAINER, runPaths.cancel('r-cancelled1'), '{}');
  const answer = await acquire({
    kind: 'aci',
    leaseId: 'x#1',
    runId: 'r-cancelled1',
    cpu: 1,
    memoryGb: 1,
    waitedMs: 0,
    leaseMs: 1000,
  });
  expect(answer).toEqual({ granted: false, cancelled: true });
});
