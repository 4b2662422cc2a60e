/**
 * Deletes under ACI's delete limits (docs/orchestration.md, "Teardown under delete limits"). ACI throttles
 * container group deletes per subscription (100 per 5 minutes, 300 per hour) as it does creates; the
 * admission ledger counts the deletes of steps and of the sweeper alike, so neither sends a delete that ACI
 * would refuse. Pure logic, like `decide`.
 */
import { type AdmissionLimits, type Ledger, prune, waitForWindow } from './policy';

const FIVE_MINUTES = 5 * 60_000;
const HOUR = 60 * 60_000;
/** A deferred group keeps its (zero-core) place in the group quota at most this long. */
export const DEFERRED_LEASE_MS = 24 * HOUR;

export type DeleteDecision =
  | { readonly granted: true; readonly ledger: Ledger }
  | { readonly granted: false; readonly retryAfterMs: number; readonly reason: string };

/** Admits one delete at `nowMs` (recording it), or says how long until one fits. */
export function decideDelete(
  ledger: Ledger,
  nowMs: number,
  limits: Pick<AdmissionLimits, 'aciDeletesPer5Min' | 'aciDeletesPerHour'>,
): DeleteDecision {
  const current = prune(ledger, nowMs);
  const deletes = current.deletes ?? [];
  const per5 = waitForWindow(deletes, FIVE_MINUTES, limits.aciDeletesPer5Min, nowMs);
  if (per5 > 0) return { granted: false, retryAfterMs: per5, reason: 'ACI deletes per 5 minutes' };
  const perHour = waitForWindow(deletes, HOUR, limits.aciDeletesPerHour, nowMs);
  if (perHour > 0) return { granted: false, retryAfterMs: perHour, reason: 'ACI deletes per hour' };
  return { granted: true, ledger: { ...current, deletes: [...deletes, nowMs] } };
}

/**
 * The step's lease once its group's delete is handed to the sweeper: no cores (the group has stopped), but
 * still a group in the quota, and kept past the run's end until the sweeper deletes the group.
 */
export function deferLease(ledger: Ledger, leaseId: string, nowMs: number): Ledger {
  const current = prune(ledger, nowMs);
  return {
    ...current,
    leases: current.leases.map((l) =>
      l.id === leaseId ? { ...l, cores: 0, deferred: true, expiresAt: nowMs + DEFERRED_LEASE_MS } : l,
    ),
  };
}
