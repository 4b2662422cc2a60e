/**
 * finishStep: what a step does when it wakes (callback or poll timer), in one activity: read the attempt's
 * status; if it is final, collect what a Batch attempt staged (its outputs only if it succeeded: a failure or
 * a transient error throws, and the finish is retried before the step is reported); if it is final (or the
 * attempt ends anyway: timeout, cancel), save its logs, then delete its
 * resource and free its lease (teardown.ts) or, failed with keepOnFailure, keep it. Not final: nothing is
 * done. The status is journalled beside the logs before the delete, so a finish retried after the delete
 * (the group is gone) still reports what the container did. Teardown never throws from here: a failure is
 * answered `retry` and the step retries the teardown alone, so a step's outcome never depends on it.
 */
import { isNotFound } from '../adapters/errors';
import type { StepStatus } from '../compute/port';
import { RESULTS_CONTAINER } from '../runs/paths';
import { releaseLease } from './admit';
import type { FinishStepInput, StepTeardown } from './contracts';
import { type ActivityDeps, type ActivityFactory, messageOf } from './deps';
import { keepAttempt } from './keep-step.activity';
import { releaseAttempt } from './teardown';

/** Saved in place of an attempt's logs when they could not be fetched (docs/orchestration.md). */
export const LOGS_NOT_SAVED = 'logs-not-saved.txt';

const isFinal = (s: StepStatus) => s.state === 'succeeded' || s.state === 'failed';

interface Journal {
  readonly status: StepStatus;
}

async function readStatus(deps: ActivityDeps, input: FinishStepInput, journal: string): Promise<StepStatus> {
  let status: StepStatus;
  try {
    status = await deps.compute(input.kind).status(input.ref);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    status = { state: 'failed', reason: 'the step resource no longer exists' };
  }
  if (status.state !== 'failed' || status.exitCode !== undefined) return status;
  // Gone, or failed before it ran: an earlier try of this finish may have saved the real status first.
  const saved = await deps.store.getText(RESULTS_CONTAINER, journal);
  return saved ? (JSON.parse(saved) as Journal).status : status;
}

async function saveLogs(deps: ActivityDeps, input: FinishStepInput): Promise<string[]> {
  try {
    return await deps
      .compute(input.kind)
      .saveLogs({ ...input.ref, logs: { container: RESULTS_CONTAINER, prefix: input.logsPrefix } });
  } catch (error) {
    // Logs are evidence, not the outcome: the step's result stands without them. That they are missing, and
    // why, is itself saved in their place (e.g. a cancel while the group is still provisioning: ACI answers
    // 409 ContainerGroupTransitioning for its logs), so the manifest lists it and nothing is lost silently.
    const reason = messageOf(error);
    deps.log(
      `step logs not saved runId=${input.ref.runId} image=${input.ref.imageKey} step=${input.ref.step} attempt=${input.ref.attempt} error=${reason}`,
      'warn',
    );
    const note = `${input.logsPrefix.replace(/\/+$/, '')}/${LOGS_NOT_SAVED}`;
    const text = `The logs of this attempt could not be saved: ${reason}\n`;
    await deps.store.putText(RESULTS_CONTAINER, note, text, 'text/plain; charset=utf-8');
    return [note];
  }
}

async function teardown(
  deps: ActivityDeps,
  input: FinishStepInput,
  status: StepStatus | undefined,
): Promise<StepTeardown> {
  try {
    if (status?.state === 'failed' && !input.ending && input.keepOnFailureMs > 0) {
      const keptUntil = new Date(deps.now() + input.keepOnFailureMs).toISOString();
      await keepAttempt(deps, { kind: input.kind, ref: input.ref, keepUntil: keptUntil });
      await releaseLease(deps, input.kind, input.leaseId);
      return { outcome: 'kept', keptUntil };
    }
    return await releaseAttempt(deps, {
      kind: input.kind,
      ref: input.ref,
      leaseId: input.leaseId,
      waitedMs: 0,
    });
  } catch (error) {
    return { outcome: 'retry', reason: messageOf(error) };
  }
}

export const finishStep: ActivityFactory<'finishStep'> = (deps) => async (input) => {
  const journal = `${input.logsPrefix.replace(/\/+$/, '')}/finish.json`;
  const read = await readStatus(deps, input, journal);
  if (!isFinal(read) && !input.ending) return { finished: false, status: read };
  const status = isFinal(read) ? read : undefined;
  const backend = deps.compute(input.kind);
  if (status && backend.collectOutputs)
    await backend.collectOutputs(input.ref, { succeeded: status.state === 'succeeded' });
  const logs = await saveLogs(deps, input);
  if (status) {
    const saved: Journal = { status };
    await deps.store.putText(RESULTS_CONTAINER, journal, JSON.stringify(saved), 'application/json');
  }
  return {
    finished: true,
    ...(status ? { status } : {}),
    logs,
    teardown: await teardown(deps, input, status),
  };
};
