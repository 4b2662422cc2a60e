/**
 * The step cache's two activities (docs/orchestration.md, 'Step cache'). lookupStepCache never throws: a
 * storage error degrades to running the step. storeStepCache throws storage errors for the durable retry
 * policy; the step orchestration records a write that still failed in the step's result.
 */
import { storeEntry } from '../cache/entry';
import { lookupCache } from '../cache/lookup';
import type { ActivityFactory } from './deps';

export const lookupStepCache: ActivityFactory<'lookupStepCache'> = (deps) => (input) =>
  lookupCache(deps.store, input, deps.log);

export const storeStepCache: ActivityFactory<'storeStepCache'> = (deps) => (input) =>
  storeEntry(deps.store, input, deps.now());
