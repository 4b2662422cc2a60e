/** getStepStatus: the attempt's normalised status (a vanished resource is a failed attempt). */
import { isNotFound } from '../adapters/errors';
import type { ActivityFactory } from './deps';

export const getStepStatus: ActivityFactory<'getStepStatus'> = (deps) => async (input) => {
  try {
    return await deps.compute(input.kind).status(input.ref);
  } catch (error) {
    if (isNotFound(error)) return { state: 'failed', reason: 'the step resource no longer exists' };
    throw error;
  }
};
