/** acquireAdmission: grant a lease from the backend's ledger, or answer how long to wait (never fails on quota). */
import { decide } from '../admission/policy';
import { RESULTS_CONTAINER, runPaths } from '../runs/paths';
import type { AdmissionAnswer } from './contracts';
import type { ActivityFactory } from './deps';
import { updateLedger } from './ledger';

export const acquireAdmission: ActivityFactory<'acquireAdmission'> = (deps) => async (input) => {
  const cancelled = (await deps.store.getText(RESULTS_CONTAINER, runPaths.cancel(input.runId))) !== undefined;
  if (cancelled) return { granted: false, cancelled: true };
  return updateLedger<AdmissionAnswer>(deps.store, input.kind, (ledger) => {
    const decision = decide(ledger, deps.now(), input, deps.limits);
    if (!decision.granted) {
      return {
        result: {
          granted: false,
          cancelled: false,
          retryAfterMs: decision.retryAfterMs,
          reason: decision.reason,
        },
      };
    }
    return { ledger: decision.changed ? decision.ledger : undefined, result: { granted: true } };
  });
};
