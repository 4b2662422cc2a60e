/**
 * startStep: start one attempt (ACI group or Batch task) under its deterministic name and return at once.
 * Transient failures throw (the durable retry policy retries them); permanent ones are typed results.
 */
import { AdapterError } from '../adapters/errors';
import type { StartStepOutput } from './contracts';
import type { ActivityFactory } from './deps';
import { buildLaunch } from './launch';

const BAD_REQUEST = new Set(['BAD_REQUEST', 'QUOTA_TOO_SMALL', 'AUTH', 'SECRET_UNRESOLVED', 'NOT_FOUND']);

export const startStep: ActivityFactory<'startStep'> = (deps) => async (input) => {
  const launch = await buildLaunch(deps.store, input);
  try {
    const [started] = await deps.compute(input.step.backend).start([launch]);
    if (!started) throw new Error('the backend accepted no step');
    return {
      outcome: 'started',
      resource: started.resource,
      created: started.created,
    } satisfies StartStepOutput;
  } catch (error) {
    if (error instanceof AdapterError && error.kind === 'permanent') {
      if (error.code === 'IMAGE_INACCESSIBLE')
        return { outcome: 'permanent', code: 'image-inaccessible', message: error.message };
      if (BAD_REQUEST.has(error.code))
        return { outcome: 'permanent', code: 'bad-request', message: error.message };
    }
    throw error;
  }
};
