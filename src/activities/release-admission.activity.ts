/** releaseAdmission: drop a lease (idempotent: an unknown lease writes nothing). */
import { release } from '../admission/policy';
import type { ActivityFactory } from './deps';
import { updateLedger } from './ledger';

export const releaseAdmission: ActivityFactory<'releaseAdmission'> = (deps) => async (input) =>
  updateLedger(deps.store, input.kind, (ledger) => ({
    ledger: ledger.leases.some((l) => l.id === input.leaseId)
      ? release(ledger, input.leaseId, deps.now())
      : undefined,
    result: null,
  }));
