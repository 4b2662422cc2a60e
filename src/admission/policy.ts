/**
 * Admission as pure logic (docs/orchestration.md, "Admission without entities"). The ledger is the state of
 * one backend: creates of the last hour and the leases in force. `decide` answers grant (with the new ledger)
 * or how long to wait; quotas cause waiting, never failure.
 */
import type { BackendKind } from '../compute/port';

export interface Lease {
  /** Unique per holder: `<step instance id>#<attempt>` for an ACI group, `job:<runId>` for a Batch job. */
  readonly id: string;
  readonly runId: string;
  readonly cores: number;
  /** Epoch ms; a lease past its expiry no longer counts (a lost release cannot leak capacity). */
  readonly expiresAt: number;
  /**
   * The step ended but its group's delete was handed to the sweeper (throttled deletes): the group still
   * counts against the group quota (it holds no cores once stopped) until the sweeper deletes it.
   */
  readonly deferred?: boolean;
}

export interface Ledger {
  /** Epoch ms of each create admitted in the last hour (ACI). */
  readonly creates: readonly number[];
  readonly leases: readonly Lease[];
  /** Epoch ms of each delete admitted in the last hour (ACI; steps and the sweeper alike). */
  readonly deletes?: readonly number[];
}

export const EMPTY_LEDGER: Ledger = { creates: [], leases: [], deletes: [] };

export interface AdmissionLimits {
  readonly aciCreatesPer5Min: number;
  readonly aciCreatesPerHour: number;
  readonly aciCoreQuota: number;
  readonly aciGroupQuota: number;
  readonly aciDeletesPer5Min: number;
  readonly aciDeletesPerHour: number;
  readonly batchActiveJobQuota: number;
  /** A step waiting longer than this for admission fails with `admission-timeout`. */
  readonly admissionTimeoutMs: number;
  /** How long a step waits for a throttled delete of its group before handing it to the sweeper. */
  readonly teardownWaitMs: number;
}

export interface AdmissionRequest {
  readonly kind: BackendKind;
  readonly leaseId: string;
  readonly runId: string;
  /** vCPUs the lease holds (ACI); 0 for a Batch job. */
  readonly cores: number;
  /** How long the lease lasts unless released: the step deadline plus a margin. */
  readonly leaseMs: number;
}

export type AdmissionDecision =
  | { readonly granted: true; readonly ledger: Ledger; readonly changed: boolean }
  | {
      readonly granted: false;
      readonly retryAfterMs: number;
      readonly reason: string;
      /** The request can never be granted under these limits (waiting would be forever). */
      readonly never?: boolean;
    };

const FIVE_MINUTES = 5 * 60_000;
const HOUR = 60 * 60_000;
/** Bounds on the wait answered when capacity is held by leases (released earlier than they expire). */
export const MIN_RETRY_MS = 5_000;
export const MAX_RETRY_MS = 60_000;

function clampWait(ms: number): number {
  return Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, Math.ceil(ms)));
}

/** Drops creates and deletes older than an hour and expired leases. */
export function prune(ledger: Ledger, nowMs: number): Ledger {
  return {
    creates: ledger.creates.filter((t) => t > nowMs - HOUR),
    leases: ledger.leases.filter((l) => l.expiresAt > nowMs),
    deletes: (ledger.deletes ?? []).filter((t) => t > nowMs - HOUR),
  };
}

export function waitForWindow(
  creates: readonly number[],
  windowMs: number,
  limit: number,
  nowMs: number,
): number {
  const inWindow = creates.filter((t) => t > nowMs - windowMs).sort((a, b) => a - b);
  if (inWindow.length < limit) return 0;
  // The create that must leave the window before one more fits.
  const blocking = inWindow[inWindow.length - limit] ?? nowMs;
  return blocking + windowMs - nowMs + 1;
}

function earliestExpiry(leases: readonly Lease[], nowMs: number): number {
  return leases.reduce((min, l) => Math.min(min, l.expiresAt - nowMs), Number.POSITIVE_INFINITY);
}

function decideAci(
  ledger: Ledger,
  nowMs: number,
  req: AdmissionRequest,
  limits: AdmissionLimits,
): AdmissionDecision {
  if (req.cores > limits.aciCoreQuota) {
    // Can never fit: waiting would be forever, so the step fails at once with this reason.
    return {
      granted: false,
      never: true,
      retryAfterMs: 0,
      reason: `the container group needs ${req.cores} vCPUs (the step's cpu plus the stager sidecar), more than the ACI core quota of ${limits.aciCoreQuota} (FLOTILLA_ACI_CORE_QUOTA)`,
    };
  }
  const per5 = waitForWindow(ledger.creates, FIVE_MINUTES, limits.aciCreatesPer5Min, nowMs);
  if (per5 > 0) return { granted: false, retryAfterMs: per5, reason: 'ACI creates per 5 minutes' };
  const perHour = waitForWindow(ledger.creates, HOUR, limits.aciCreatesPerHour, nowMs);
  if (perHour > 0) return { granted: false, retryAfterMs: perHour, reason: 'ACI creates per hour' };
  if (ledger.leases.length + 1 > limits.aciGroupQuota) {
    return {
      granted: false,
      retryAfterMs: clampWait(earliestExpiry(ledger.leases, nowMs)),
      reason: 'ACI group quota',
    };
  }
  const cores = ledger.leases.reduce((sum, l) => sum + l.cores, 0);
  if (cores + req.cores > limits.aciCoreQuota) {
    return {
      granted: false,
      retryAfterMs: clampWait(earliestExpiry(ledger.leases, nowMs)),
      reason: 'ACI core quota',
    };
  }
  const lease: Lease = {
    id: req.leaseId,
    runId: req.runId,
    cores: req.cores,
    expiresAt: nowMs + req.leaseMs,
  };
  return {
    granted: true,
    changed: true,
    ledger: { ...ledger, creates: [...ledger.creates, nowMs], leases: [...ledger.leases, lease] },
  };
}

/** Batch leases are per run (its job): `job:<runId>`. A task of an admitted run queues on its pool instead. */
export const jobLeaseId = (runId: string): string => `job:${runId}`;

function decideBatch(
  ledger: Ledger,
  nowMs: number,
  req: AdmissionRequest,
  limits: AdmissionLimits,
): AdmissionDecision {
  if (!req.leaseId.startsWith('job:')) return { granted: true, changed: false, ledger };
  if (ledger.leases.length + 1 > limits.batchActiveJobQuota) {
    return {
      granted: false,
      retryAfterMs: clampWait(earliestExpiry(ledger.leases, nowMs)),
      reason: 'Batch active job quota',
    };
  }
  const lease: Lease = { id: req.leaseId, runId: req.runId, cores: 0, expiresAt: nowMs + req.leaseMs };
  return {
    granted: true,
    changed: true,
    ledger: { ...ledger, leases: [...ledger.leases, lease] },
  };
}

/** Grants `req` against `ledger` at `nowMs`, or says how long to wait. A lease already held is granted again. */
export function decide(
  ledger: Ledger,
  nowMs: number,
  req: AdmissionRequest,
  limits: AdmissionLimits,
): AdmissionDecision {
  const current = prune(ledger, nowMs);
  if (current.leases.some((l) => l.id === req.leaseId))
    return { granted: true, changed: false, ledger: current };
  return req.kind === 'aci'
    ? decideAci(current, nowMs, req, limits)
    : decideBatch(current, nowMs, req, limits);
}

/** Removes a lease (idempotent). */
export function release(ledger: Ledger, leaseId: string, nowMs: number): Ledger {
  const current = prune(ledger, nowMs);
  return { ...current, leases: current.leases.filter((l) => l.id !== leaseId) };
}

/**
 * Removes every lease of runs that ended (the sweeper), except deferred ones: their groups still exist
 * until the sweeper deletes them (it releases each with its delete).
 */
export function releaseRuns(ledger: Ledger, endedRunIds: ReadonlySet<string>, nowMs: number): Ledger {
  const current = prune(ledger, nowMs);
  return { ...current, leases: current.leases.filter((l) => l.deferred || !endedRunIds.has(l.runId)) };
}
