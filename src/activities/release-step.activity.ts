/**
 * releaseStep: delete what the attempt holds and free its admission lease (teardown.ts). The step calls it
 * when finishStep's own teardown answered `wait` or failed: throttled deletes wait on durable timers.
 */
import type { ActivityFactory } from './deps';
import { releaseAttempt } from './teardown';

export const releaseStep: ActivityFactory<'releaseStep'> = (deps) => (input) => releaseAttempt(deps, input);
