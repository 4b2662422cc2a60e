import { acceptCallback, type CallbackClient } from '../../../src/api/callback';
import { ApiError } from '../../../src/api/http';
import { signCallbackToken } from '../../../src/security/callback-token';

const SECRET = 'unit-callback-secret-of-at-least-32-characters';

/** A DurableClient stand-in (the port the callback uses), counting status reads. */
function waitingClient(): CallbackClient & { reads: number; raised: string[] } {
  const client = {
    reads: 0,
    raised: [] as string[],
    getStatus: () => {
      client.reads += 1;
      return Promise.resolve({ runtimeStatus: 'Running', customStatus: { attempt: 1, phase: 'waiting' } });
    },
    raiseEvent: (id: string, name: string) => {
      client.raised.push(`${id}:${name}`);
      return Promise.resolve();
    },
  };
  return client as unknown as CallbackClient & { reads: number; raised: string[] };
}

test('a replayed valid token answers 409 without another status read', async () => {
  const now = Date.now();
  const token = signCallbackToken(SECRET, {
    runId: 'r-replay01',
    imageKey: 'a-tif-11111111',
    step: 'tile',
    attempt: 1,
    expiresAt: now + 60_000,
  });
  const client = waitingClient();
  await expect(acceptCallback(client, SECRET, token, {}, now)).resolves.toEqual({
    accepted: true,
    attempt: 1,
  });
  expect(client.reads).toBe(1);
  for (let i = 0; i < 5; i++) {
    const replay = acceptCallback(client, SECRET, token, {}, now);
    await expect(replay).rejects.toBeInstanceOf(ApiError);
    await expect(replay).rejects.toMatchObject({ status: 409, code: 'callback_not_expected' });
  }
  expect(client.reads).toBe(1);
  expect(client.raised).toHaveLength(1);
});
