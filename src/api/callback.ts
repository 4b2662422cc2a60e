/**
 * POST /api/callbacks/{token}: a container says its attempt finished. Only a valid, unexpired token for the
 * attempt its step is waiting on raises `step-completed:<image>:<step>:<attempt>` to the instance the token
 * names (the lane running the step inline), else to the step's own instance; forged, replayed or late
 * callbacks are refused and change nothing. The event only wakes the step: it reads the real status from the
 * backend.
 */
import type { DurableClient } from 'durable-functions';
import { events, type LaneCustomStatus, type StepCustomStatus } from '../orchestrators/contracts';
import { instanceIds } from '../runs/ids';
import { RESERVED_KEY } from '../runs/image-key';
import { verifyCallbackToken } from '../security/callback-token';
import { ApiError } from './http';
import { statusOrUndefined } from './run-view';

export type CallbackClient = Pick<DurableClient, 'getStatus' | 'raiseEvent'>;

/**
 * Attempts this process already accepted a callback for: a replay of a valid token is refused from here,
 * without a status read (docs/security.md, "Container callbacks"). Bounded; the oldest entries go first.
 */
const accepted = new Set<string>();
const ACCEPTED_MAX = 10_000;

function remember(key: string): void {
  accepted.add(key);
  if (accepted.size > ACCEPTED_MAX) accepted.delete(accepted.values().next().value as string);
}

const notExpected = () =>
  new ApiError(
    409,
    'callback_not_expected',
    'callback refused: this attempt is not waiting for a callback (it already finished or was replaced)',
  );

/** The status of the step a lane runs inline, when it is this image's `step`. */
function inlineStep(custom: unknown, imageKey: string, step: string): StepCustomStatus | undefined {
  const current = (custom as LaneCustomStatus | undefined)?.current;
  return current?.imageKey === imageKey && current.step?.id === step ? current.step : undefined;
}

export async function acceptCallback(
  client: CallbackClient,
  secret: string,
  token: string,
  body: { exitCode?: number },
  nowMs: number,
): Promise<{ accepted: true; attempt: number }> {
  const verified = verifyCallbackToken(secret, token, nowMs);
  if (!verified.ok) {
    const status = verified.code === 'expired' ? 410 : 401;
    throw new ApiError(
      status,
      `callback_${verified.code.replace('-', '_')}`,
      `callback refused: ${verified.message}`,
    );
  }
  const { runId, imageKey, step, attempt, instance } = verified.claims;
  const ownInstance =
    imageKey === RESERVED_KEY ? instanceIds.finalize(runId) : instanceIds.step(runId, imageKey, step);
  const instanceId = instance ?? ownInstance;
  // Only an instance of the token's own run (the claims are signed; this keeps a token to its run).
  if (!instanceId.startsWith(`${runId}:`)) throw notExpected();
  const key = `${instanceId}#${imageKey}/${step}#${attempt}`;
  if (accepted.has(key)) throw notExpected();
  const current = await statusOrUndefined(client, instanceId);
  // The step's own instance (a step orchestration, the finalize step) publishes its attempt as its custom
  // status; a lane running the step inline publishes it under `current.step`.
  const waiting =
    instanceId === ownInstance ? current?.customStatus : inlineStep(current?.customStatus, imageKey, step);
  const custom = waiting as StepCustomStatus | undefined;
  if (
    !current ||
    String(current.runtimeStatus) !== 'Running' ||
    custom?.attempt !== attempt ||
    custom.phase !== 'waiting'
  ) {
    throw notExpected();
  }
  await client.raiseEvent(instanceId, events.stepCompleted(imageKey, step, attempt), {
    exitCode: body.exitCode ?? null,
  });
  remember(key);
  return { accepted: true, attempt };
}
