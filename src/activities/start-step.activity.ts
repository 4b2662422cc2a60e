/**
 * startStep: admit one attempt (the backend's ledger, admit.ts) and, once granted, start it (ACI group or
 * Batch task) under its deterministic name and return at once: one activity where there were two. Gates run
 * in order and each may answer without starting anything; a gate added later (a cache lookup, a budget
 * reservation) goes in `gates` below. Transient failures throw (the durable retry policy retries them; a
 * granted lease is granted again on retry); permanent ones are typed results and free the lease.
 */
import { AdapterError } from '../adapters/errors';
import { admit, releaseLease } from './admit';
import type { BeginStepInput, StartStepOutput } from './contracts';
import type { ActivityDeps, ActivityFactory } from './deps';
import { buildLaunch } from './launch';

const BAD_REQUEST = new Set(['BAD_REQUEST', 'QUOTA_TOO_SMALL', 'AUTH', 'SECRET_UNRESOLVED', 'NOT_FOUND']);

/** A gate answers `undefined` to let the start go on, or the answer that ends it here. */
type Gate = (deps: ActivityDeps, input: BeginStepInput) => Promise<StartStepOutput | undefined>;

/** The run's budget claim for this attempt (none without a budget): src/admission/budget.ts. */
function budgetClaim(input: BeginStepInput) {
  if (!input.budget) return {};
  const { pool } = input.step;
  return {
    budget: {
      ...input.budget,
      imageKey: input.ref.imageKey,
      step: input.ref.step,
      attempt: input.ref.attempt,
      timeoutMs: input.step.timeoutMs,
      ...(pool ? { pool } : {}),
    },
  };
}

const admission: Gate = async (deps, input) => {
  const answer = await admit(deps, {
    kind: input.step.backend,
    runId: input.ref.runId,
    cpu: input.step.cpu,
    memoryGb: input.step.memoryGb,
    ...input.admission,
    ...budgetClaim(input),
  });
  return answer.granted ? undefined : { outcome: 'admission', answer };
};

const gates: readonly Gate[] = [admission];

async function start(deps: ActivityDeps, input: BeginStepInput): Promise<StartStepOutput> {
  const launch = await buildLaunch(deps.store, input);
  try {
    const [started] = await deps.compute(input.step.backend).start([launch]);
    if (!started) throw new Error('the backend accepted no step');
    return { outcome: 'started', resource: started.resource, created: started.created };
  } catch (error) {
    if (error instanceof AdapterError && error.kind === 'permanent') {
      const code = error.code === 'IMAGE_INACCESSIBLE' ? 'image-inaccessible' : 'bad-request';
      if (code === 'image-inaccessible' || BAD_REQUEST.has(error.code)) {
        // Nothing runs: the lease goes back at once.
        await releaseLease(deps, input.step.backend, input.admission.leaseId);
        return { outcome: 'permanent', code, message: error.message };
      }
    }
    throw error;
  }
}

export const startStep: ActivityFactory<'startStep'> = (deps) => async (input) => {
  for (const gate of gates) {
    const answer = await gate(deps, input);
    if (answer) return answer;
  }
  return start(deps, input);
};
