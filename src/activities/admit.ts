/**
 * Admission of one request against its backend's ledger, as a function the activities share: acquireAdmission
 * (the run's Batch job) and startStep (a step attempt: admission folded into its start). The run's budget comes
 * first (a reservation of the attempt's worst case, src/admission/budget.ts); then quotas cause waiting,
 * with two ends: a request that can never fit is refused at once, and a wait past
 * FLOTILLA_ADMISSION_TIMEOUT_MS is refused with `admission-timeout`.
 */
import { decide, release } from '../admission/policy';
import type { BackendKind } from '../compute/port';
import { RESULTS_CONTAINER, runPaths } from '../runs/paths';
import type { AcquireAdmissionInput, AdmissionAnswer } from './contracts';
import type { ActivityDeps } from './deps';
import { reserveBudget } from './budget-ledger';
import { updateLedger } from './ledger';

/** While the budget is held by attempts in flight, ask again after this long (they settle when they end). */
export const BUDGET_RETRY_MS = 15_000;

function waitOrTimeout(waitedMs: number, timeoutMs: number, reason: string): AdmissionAnswer {
  if (waitedMs >= timeoutMs)
    return {
      granted: false,
      cancelled: false,
      refused: 'admission-timeout',
      reason: `waited ${waitedMs} ms for admission (FLOTILLA_ADMISSION_TIMEOUT_MS is ${timeoutMs}); still blocked by: ${reason}`,
    };
  return { granted: false, cancelled: false, retryAfterMs: BUDGET_RETRY_MS, reason };
}

export async function admit(deps: ActivityDeps, input: AcquireAdmissionInput): Promise<AdmissionAnswer> {
  const cancelled = (await deps.store.getText(RESULTS_CONTAINER, runPaths.cancel(input.runId))) !== undefined;
  if (cancelled) return { granted: false, cancelled: true };
  if (input.budget) {
    // The budget first: an attempt that could push the run past its cap waits or never starts.
    const budget = await reserveBudget(deps.store, deps.prices, input, input.budget);
    if (budget.kind === 'refused')
      return { granted: false, cancelled: false, refused: 'budget-exceeded', reason: budget.reason };
    if (budget.kind === 'wait')
      return waitOrTimeout(input.waitedMs, deps.limits.admissionTimeoutMs, budget.reason);
  }
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
