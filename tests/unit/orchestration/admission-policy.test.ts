import { decideDelete, deferLease } from '../../../src/admission/delete-policy';
import {
  type AdmissionLimits,
  type AdmissionRequest,
  decide,
  EMPTY_LEDGER,
  type Ledger,
  MAX_RETRY_MS,
  MIN_RETRY_MS,
  release,
  releaseRuns,
} from '../../../src/admission/policy';

const limits: AdmissionLimits = {
  aciCreatesPer5Min: 100,
  aciCreatesPerHour: 300,
  aciCoreQuota: 100,
  aciGroupQuota: 100,
  aciDeletesPer5Min: 100,
  aciDeletesPerHour: 300,
  batchActiveJobQuota: 2,
  admissionTimeoutMs: 3_600_000,
  teardownWaitMs: 600_000,
};
const MIN = 60_000;
let seq = 0;
const aci = (cores = 1, runId = 'r-1'): AdmissionRequest => ({
  kind: 'aci',
  leaseId: `lease-${++seq}`,
  runId,
  cores,
  leaseMs: 30 * MIN,
});

function grantAll(
  ledger: Ledger,
  now: number,
  count: number,
  make: () => AdmissionRequest,
  l = limits,
): Ledger {
  let current = ledger;
  for (let i = 0; i < count; i++) {
    const d = decide(current, now, make(), l);
    if (!d.granted) throw new Error(`refused at ${i}: ${d.reason}`);
    current = d.ledger;
  }
  return current;
}

describe('admission policy', () => {
  it('grants up to 100 ACI creates per 5 minutes, then says when the window frees', () => {
    const loose = { ...limits, aciGroupQuota: 1000, aciCoreQuota: 1000 };
    const start = 1_000_000;
    const ledger = grantAll(EMPTY_LEDGER, start, 100, () => aci(), loose);
    const refused = decide(ledger, start + MIN, aci(), loose);
    expect(refused).toMatchObject({ granted: false, reason: 'ACI creates per 5 minutes' });
    if (refused.granted) throw new Error('unreachable');
    expect(refused.retryAfterMs).toBe(4 * MIN + 1);
    expect(decide(ledger, start + 5 * MIN + 1, aci(), loose).granted).toBe(true);
  });

  it('caps ACI creates at 300 per hour even when every 5-minute window has room', () => {
    const loose = { ...limits, aciGroupQuota: 10_000, aciCoreQuota: 10_000 };
    let ledger = EMPTY_LEDGER;
    const t0 = 0;
    for (let w = 0; w < 3; w++) ledger = grantAll(ledger, t0 + w * 6 * MIN, 100, () => aci(), loose);
    const d = decide(ledger, t0 + 20 * MIN, aci(), loose);
    expect(d).toMatchObject({ granted: false, reason: 'ACI creates per hour' });
    if (d.granted) throw new Error('unreachable');
    expect(d.retryAfterMs).toBe(40 * MIN + 1);
  });

  it('keeps cores and groups under quota and frees them on release', () => {
    const tight = { ...limits, aciCoreQuota: 4, aciGroupQuota: 3 };
    const a = decide(EMPTY_LEDGER, 0, { ...aci(2), leaseId: 'a' }, tight);
    if (!a.granted) throw new Error('a refused');
    const b = decide(a.ledger, 0, { ...aci(2), leaseId: 'b' }, tight);
    if (!b.granted) throw new Error('b refused');
    const c = decide(b.ledger, 0, aci(1), tight);
    expect(c).toMatchObject({ granted: false, reason: 'ACI core quota' });
    if (c.granted) throw new Error('unreachable');
    expect(c.retryAfterMs).toBeGreaterThanOrEqual(MIN_RETRY_MS);
    expect(c.retryAfterMs).toBeLessThanOrEqual(MAX_RETRY_MS);
    expect(decide(release(b.ledger, 'a', 0), 0, aci(1), tight).granted).toBe(true);
    const groups = grantAll(EMPTY_LEDGER, 0, 3, () => aci(0.5), tight);
    expect(decide(groups, 0, aci(0.5), tight)).toMatchObject({ granted: false, reason: 'ACI group quota' });
  });

  it('lets an expired lease count no more (a lost release cannot leak capacity)', () => {
    const tight = { ...limits, aciGroupQuota: 1 };
    const held = grantAll(EMPTY_LEDGER, 0, 1, () => ({ ...aci(), leaseMs: MIN }), tight);
    expect(decide(held, MIN - 1, aci(), tight).granted).toBe(false);
    expect(decide(held, MIN + 1, aci(), tight).granted).toBe(true);
  });

  it('grants a lease already held again without counting another create (retried activity)', () => {
    const first = decide(EMPTY_LEDGER, 0, { ...aci(), leaseId: 'same' }, limits);
    if (!first.granted) throw new Error('refused');
    const again = decide(first.ledger, 10, { ...aci(), leaseId: 'same' }, limits);
    expect(again).toMatchObject({ granted: true, changed: false });
    if (!again.granted) throw new Error('unreachable');
    expect(again.ledger.creates).toHaveLength(1);
  });

  it('limits active Batch jobs, and the sweeper drops leases of ended runs', () => {
    const job = (runId: string): AdmissionRequest => ({
      kind: 'batch',
      leaseId: `job:${runId}`,
      runId,
      cores: 0,
      leaseMs: 60 * MIN,
    });
    const two = grantAll(EMPTY_LEDGER, 0, 1, () => job('r-a'));
    const full = grantAll(two, 0, 1, () => job('r-b'));
    expect(decide(full, 0, job('r-c'), limits)).toMatchObject({
      granted: false,
      reason: 'Batch active job quota',
    });
    expect(decide(releaseRuns(full, new Set(['r-a']), 0), 0, job('r-c'), limits).granted).toBe(true);
  });

  it('admits Batch tasks without a ledger entry: the run holds the job lease, the pool queues its tasks', () => {
    const job = { kind: 'batch' as const, runId: 'r-a', cores: 0, leaseMs: MIN };
    const full = grantAll(EMPTY_LEDGER, 0, 2, () => ({ ...job, leaseId: `job:r-${++seq}` }));
    const task = decide(full, 0, { ...job, leaseId: 'r-a:img:tile#1' }, limits);
    expect(task).toMatchObject({ granted: true, changed: false });
    if (!task.granted) throw new Error('unreachable');
    expect(task.ledger.leases).toHaveLength(2);
  });

  it('refuses at once a request larger than the core quota (waiting would be forever), naming both', () => {
    const answer = decide(EMPTY_LEDGER, 0, aci(101), limits);
    expect(answer).toMatchObject({ granted: false, never: true });
    expect(answer.granted ? '' : answer.reason).toMatch(/needs 101 vCPUs.*core quota of 100/);
  });
});

describe('delete admission', () => {
  it('admits deletes up to the 5-minute limit, then waits until the oldest leaves the window', () => {
    const tight = { ...limits, aciDeletesPer5Min: 3, aciDeletesPerHour: 5 };
    let ledger: Ledger = EMPTY_LEDGER;
    for (let i = 0; i < 3; i++) {
      const d = decideDelete(ledger, i * 1000, tight);
      if (!d.granted) throw new Error('expected a grant');
      ledger = d.ledger;
    }
    expect(decideDelete(ledger, 3000, tight)).toEqual({
      granted: false,
      retryAfterMs: 5 * MIN - 3000 + 1,
      reason: 'ACI deletes per 5 minutes',
    });
    const later = decideDelete(ledger, 5 * MIN + 1, tight);
    expect(later.granted).toBe(true);
  });

  it('counts the hour window too, and creates do not use up deletes', () => {
    const tight = { ...limits, aciDeletesPer5Min: 100, aciDeletesPerHour: 2 };
    const ledger: Ledger = { creates: [0, 1, 2], leases: [], deletes: [0, 10 * MIN] };
    expect(decideDelete(ledger, 20 * MIN, tight)).toMatchObject({
      granted: false,
      reason: 'ACI deletes per hour',
      retryAfterMs: 40 * MIN + 1,
    });
    expect(decideDelete({ ...ledger, deletes: [] }, 20 * MIN, tight).granted).toBe(true);
  });

  it('a deferred lease holds no cores, survives the end of its run, and release keeps the deletes', () => {
    const ledger: Ledger = {
      creates: [],
      leases: [{ id: 'r-1:a:tile#1', runId: 'r-1', cores: 1.25, expiresAt: MIN }],
      deletes: [5],
    };
    const deferred = deferLease(ledger, 'r-1:a:tile#1', 10);
    expect(deferred.leases[0]).toMatchObject({ cores: 0, deferred: true });
    expect(deferred.leases[0]?.expiresAt).toBeGreaterThan(MIN);
    expect(releaseRuns(deferred, new Set(['r-1']), 20).leases).toHaveLength(1);
    expect(releaseRuns(ledger, new Set(['r-1']), 20).leases).toHaveLength(0);
    expect(release(deferred, 'r-1:a:tile#1', 20)).toEqual({ creates: [], leases: [], deletes: [5] });
  });
});
