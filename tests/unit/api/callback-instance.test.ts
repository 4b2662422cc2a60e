import { acceptCallback, type CallbackClient } from '../../../src/api/callback';
import { signCallbackToken, verifyCallbackToken } from '../../../src/security/callback-token';

const SECRET = 'unit-callback-secret-of-at-least-32-characters';

/** A DurableClient stand-in: one lane running `tile` of `a-tif-1` inline, attempt 1, waiting. */
function laneClient(): CallbackClient & { raised: string[]; read: string[] } {
  const client = {
    raised: [] as string[],
    read: [] as string[],
    getStatus: (id: string) => {
      client.read.push(id);
      return Promise.resolve({
        runtimeStatus: 'Running',
        customStatus: {
          counts: {},
          current: { index: 0, imageKey: 'a-tif-1', step: { id: 'tile', attempt: 1, phase: 'waiting' } },
        },
      });
    },
    raiseEvent: (id: string, name: string) => {
      client.raised.push(`${id} ${name}`);
      return Promise.resolve();
    },
  };
  return client as unknown as CallbackClient & { raised: string[]; read: string[] };
}

const claims = (over: Record<string, unknown> = {}) => ({
  runId: 'r-inline01',
  imageKey: 'a-tif-1',
  step: 'tile',
  attempt: 1,
  instance: 'r-inline01:lane:3',
  expiresAt: Date.now() + 60_000,
  ...over,
});

test('the instance claim is signed: it round-trips, and changing it breaks the signature', () => {
  const token = signCallbackToken(SECRET, claims());
  const verified = verifyCallbackToken(SECRET, token, Date.now());
  expect(verified).toMatchObject({ ok: true, claims: { instance: 'r-inline01:lane:3' } });
  const [payload, mac] = token.split('.') as [string, string];
  const wire = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  const swapped = Buffer.from(JSON.stringify({ ...wire, h: 'r-inline01:lane:4' })).toString('base64url');
  expect(verifyCallbackToken(SECRET, `${swapped}.${mac}`, Date.now())).toMatchObject({
    ok: false,
    code: 'bad-signature',
  });
});

test('a callback for a step run inline wakes its lane with an event naming image, step and attempt', async () => {
  const client = laneClient();
  await expect(
    acceptCallback(client, SECRET, signCallbackToken(SECRET, claims()), { exitCode: 0 }, Date.now()),
  ).resolves.toEqual({ accepted: true, attempt: 1 });
  expect(client.raised).toEqual(['r-inline01:lane:3 step-completed:a-tif-1:tile:1']);
});

test('a callback is refused when the lane runs another step, or names an instance of another run', async () => {
  const client = laneClient();
  const other = signCallbackToken(SECRET, claims({ step: 'predict' }));
  await expect(acceptCallback(client, SECRET, other, {}, Date.now())).rejects.toMatchObject({ status: 409 });
  const foreign = signCallbackToken(SECRET, claims({ instance: 'r-other001:lane:3' }));
  await expect(acceptCallback(client, SECRET, foreign, {}, Date.now())).rejects.toMatchObject({
    status: 409,
  });
  expect(client.read).toEqual(['r-inline01:lane:3']);
  expect(client.raised).toEqual([]);
});

test("a callback naming the step's own instance (a step orchestration, the finalize step) reads its status", async () => {
  const raised: string[] = [];
  const client = {
    getStatus: () =>
      Promise.resolve({ runtimeStatus: 'Running', customStatus: { attempt: 2, phase: 'waiting' } }),
    raiseEvent: (id: string, name: string) => {
      raised.push(`${id} ${name}`);
      return Promise.resolve();
    },
  } as unknown as CallbackClient;
  const finalize = claims({
    imageKey: 'finalize',
    step: 'merge',
    attempt: 2,
    instance: 'r-inline01:finalize',
  });
  await expect(
    acceptCallback(client, SECRET, signCallbackToken(SECRET, finalize), { exitCode: 0 }, Date.now()),
  ).resolves.toEqual({ accepted: true, attempt: 2 });
  const step = claims({ step: 'predict', attempt: 2, instance: 'r-inline01:img:a-tif-1:predict' });
  await expect(
    acceptCallback(client, SECRET, signCallbackToken(SECRET, step), {}, Date.now()),
  ).resolves.toEqual({ accepted: true, attempt: 2 });
  expect(raised).toEqual([
    'r-inline01:finalize step-completed:finalize:merge:2',
    'r-inline01:img:a-tif-1:predict step-completed:a-tif-1:predict:2',
  ]);
});
