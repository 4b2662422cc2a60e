/** acquireAdmission: grant a lease from the backend's ledger, or answer how long to wait (see admit.ts). */
import { admit } from './admit';
import type { ActivityFactory } from './deps';

export const acquireAdmission: ActivityFactory<'acquireAdmission'> = (deps) => (input) => admit(deps, input);
