/**
 * POST /api/callbacks/{token}: a container says its attempt finished. Only a valid, unexpired token for the
 * attempt its step is waiting on raises `step-completed:<attempt>`; forged, replayed or late callbacks are
 * refused and change nothing. The event only wakes the step: it reads the real status from the backend.
 */
import type { DurableClient } from 'durable-functions';
import { events, type StepCustomStatus } from '../orchestrators/contracts';
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
  const { runId, imageKey, step, attempt } = verified.claims;
  const instanceId =
    imageKey === RESERVED_KEY ? instanceIds.finalize(runId) : instanceIds.step(runId, imageKey, step);
  const key = `${instanceId}#${attempt}`;
  if (accepted.has(key)) throw notExpected();
  const current = await statusOrUndefined(client, instanceId);
  const custom = current?.customStatus as StepCustomStatus | undefined;
  if (
    !current ||
    String(current.runtimeStatus) !== 'Running' ||
    custom?.attempt !== attempt ||
    custom.phase !== 'waiting'
  ) {
    throw notExpected();
  }
  await client.raiseEvent(instanceId, events.stepCompleted(attempt), { exitCode: body.exitCode ?? null });
  remember(key);
  return { accepted: true, attempt };
}
