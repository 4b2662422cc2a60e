/**
 * Admission of one request against its backend's ledger, as a function the activities share: acquireAdmission
 * (the run's Batch job) and startStep (a step attempt: admission folded into its start). Quotas cause waiting,
 * with two ends: a request that can never fit is refused at once, and a wait past
 * FLOTILLA_ADMISSION_TIMEOUT_MS is refused with `admission-timeout`.
 */
import { decide, release } from '../admission/policy';
import type { BackendKind } from '../compute/port';
import { RESULTS_CONTAINER, runPaths } from '../runs/paths';
import type { AcquireAdmissionInput, AdmissionAnswer } from './contracts';
import type { ActivityDeps } from './deps';
import { updateLedger } from './ledger';

export async function admit(deps: ActivityDeps, input: AcquireAdmissionInput): Promise<AdmissionAnswer> {
  const cancelled = (await deps.store.getText(RESULTS_CONTAINER, runPaths.cancel(input.runId))) !== undefined;
  if (cancelled) return { granted: false, cancelled: true };
  // What the backend really holds for the step (ACI: the step plus its stager sidecar).
  const cores = input.kind === 'aci' ? deps.compute('aci').admissionCores(input) : 0;
  const request = {
    kind: input.kind,
    leaseId: input.leaseId,
    runId: input.runId,
    cores,
    leaseMs: input.leaseMs,
  };
  return updateLedger<AdmissionAnswer>(deps.store, input.kind, (ledger) => {
    const decision = decide(ledger, deps.now(), request, deps.limits);
    if (decision.granted)
      return { ledger: decision.changed ? decision.ledger : undefined, result: { granted: true } };
    if (decision.never)
      return {
        result: {
          granted: false,
          cancelled: false,
          refused: 'admission-impossible',
          reason: decision.reason,
        },
      };
    if (input.waitedMs >= deps.limits.admissionTimeoutMs) {
      const reason = `waited ${input.waitedMs} ms for admission (FLOTILLA_ADMISSION_TIMEOUT_MS is ${deps.limits.admissionTimeoutMs}); still blocked by: ${decision.reason}`;
      return { result: { granted: false, cancelled: false, refused: 'admission-timeout', reason } };
    }
    return {
      result: {
        granted: false,
        cancelled: false,
        retryAfterMs: decision.retryAfterMs,
        reason: decision.reason,
      },
    };
  });
}

/** Drops a lease (idempotent: an unknown lease writes nothing). */
export function releaseLease(deps: ActivityDeps, kind: BackendKind, leaseId: string): Promise<null> {
  return updateLedger(deps.store, kind, (ledger) => ({
    ledger: ledger.leases.some((l) => l.id === leaseId) ? release(ledger, leaseId, deps.now()) : undefined,
    result: null,
  }));
}
