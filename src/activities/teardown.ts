/**
 * Teardown of one attempt's resource, shared by finishStep and releaseStep: delete under ACI's delete limits
 * (the admission ledger counts deletes of steps and of the sweeper alike) and free its admission lease.
 * Idempotent: "not found" is done. A throttled delete answers `wait` (the step sleeps on a durable timer);
 * once the wait would pass FLOTILLA_TEARDOWN_WAIT_MS the group is tagged `teardown=deferred` for the sweeper
 * and the answer is `deferred`. The step's result never depends on this (docs/orchestration.md, "Teardown
 * under delete limits").
 */
import { type DeleteDecision, decideDelete, deferLease } from '../admission/delete-policy';
import { AdapterError } from '../adapters/errors';
import { releaseLease } from './admit';
import type { ReleaseStepInput, ReleaseStepOutput } from './contracts';
import { type ActivityDeps, messageOf } from './deps';
import { updateLedger } from './ledger';

/** What ACI answers 429 with when it sends no Retry-After. */
const THROTTLED_WAIT_MS = 30_000;

export async function releaseAttempt(
  deps: ActivityDeps,
  input: ReleaseStepInput,
): Promise<ReleaseStepOutput> {
  const backend = deps.compute(input.kind);
  if (input.kind !== 'aci') {
    await backend.release(input.ref);
    await releaseLease(deps, input.kind, input.leaseId);
    return { outcome: 'released' };
  }
  const left = deps.limits.teardownWaitMs - input.waitedMs;
  const defer = async (reason: string): Promise<ReleaseStepOutput> => {
    try {
      await backend.deferRelease(input.ref);
    } catch (error) {
      // The tag is a hint: the sweeper also deletes the group once its run ended or its expiry passed.
      deps.log(`teardown tag not written runId=${input.ref.runId} error=${messageOf(error)}`);
    }
    await updateLedger(deps.store, 'aci', (ledger) => ({
      ledger: deferLease(ledger, input.leaseId, deps.now()),
      result: null,
    }));
    deps.log(
      `teardown deferred to the sweeper runId=${input.ref.runId} image=${input.ref.imageKey} step=${input.ref.step} attempt=${input.ref.attempt} reason="${reason}"`,
    );
    return { outcome: 'deferred', reason };
  };
  const admitted = await updateLedger<DeleteDecision>(deps.store, 'aci', (ledger) => {
    const decision = decideDelete(ledger, deps.now(), deps.limits);
    return { ledger: decision.granted ? decision.ledger : undefined, result: decision };
  });
  if (!admitted.granted) {
    if (admitted.retryAfterMs >= left) return defer(`${admitted.reason} (waited ${input.waitedMs} ms)`);
    return { outcome: 'wait', retryAfterMs: admitted.retryAfterMs, reason: admitted.reason };
  }
  try {
    await backend.release(input.ref);
  } catch (error) {
    if (!(error instanceof AdapterError && error.code === 'THROTTLED')) throw error;
    const wait = error.retryAfterMs ?? THROTTLED_WAIT_MS;
    if (wait >= left) return defer(`ACI throttled the delete (waited ${input.waitedMs} ms)`);
    return { outcome: 'wait', retryAfterMs: wait, reason: 'ACI throttled the delete' };
  }
  await releaseLease(deps, input.kind, input.leaseId);
  return { outcome: 'released' };
}
