/** releaseStep: delete what the attempt holds (idempotent: "not found" is done). */
import type { ActivityFactory } from './deps';

export const releaseStep: ActivityFactory<'releaseStep'> = (deps) => async (input) => {
  await deps.compute(input.kind).release(input.ref);
  return null;
};
