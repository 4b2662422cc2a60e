/** releaseAdmission: drop a lease (idempotent: an unknown lease writes nothing). */
import { releaseLease } from './admit';
import type { ActivityFactory } from './deps';

export const releaseAdmission: ActivityFactory<'releaseAdmission'> = (deps) => (input) =>
  releaseLease(deps, input.kind, input.leaseId);
