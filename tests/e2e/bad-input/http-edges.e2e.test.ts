import { signCallbackToken } from '../../../src/security/callback-token';
import { CALLBACK_SECRET, type E2E, startE2E } from '../support/harness';
import { type BadInputCase, call, check } from './table';

/**
 * HTTP edges (docs/security.md, "Bad input"): keys as `code=` or `x-functions-key`, JSON bodies for the host's
 * own refusals (unknown route, wrong method, oversized headers), callback tokens only in their canonical
 * encoding. Every answer is JSON and none is a 5xx.
 */
let e2e: E2E;
const seen: number[] = [];
beforeAll(async () => {
  e2e = await startE2E();
}, 60_000);
afterAll(() => e2e?.stop());

const raw =
  (path: string, init?: RequestInit) =>
  (e: E2E): Promise<Response> =>
    fetch(new URL(path, e.host.url), init);

/** A token with a valid MAC whose signature is spelled differently (same bytes, non-zero trailing bits). */
function alternateSpelling(token: string): string {
  const [claims, signature] = token.split('.') as [string, string];
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(signature.slice(-1));
  return `${claims}.${signature.slice(0, -1)}${alphabet[last ^ 1]}`;
}

const claims = () => ({
  runId: 'r-0000aaaa',
  imageKey: 'a-tif-00000000',
  step: 'tile',
  attempt: 1,
  expiresAt: e2e.clock.now() + 3_600_000,
});

const table: BadInputCase[] = [
  {
    name: 'no key',
    send: call('listRuns', { withoutKey: true }),
    status: 401,
    mentions: ['x-functions-key', 'code'],
  },
  {
    name: 'a wrong key as code=',
    send: call('listRuns', { withoutKey: true, query: { code: 'not-a-key' } }),
    status: 401,
  },
  {
    name: 'an unknown route',
    send: raw('/api/no-such-route'),
    status: 404,
    mentions: ['/api/no-such-route'],
  },
  {
    name: 'a wrong method',
    send: raw('/api/runs', { method: 'DELETE' }),
    status: 405,
    mentions: ['GET', 'POST'],
  },
  {
    name: 'a 20 KB header (Node refuses it before the host)',
    send: raw('/api/health', { headers: { 'x-big': 'h'.repeat(20 * 1024) } }),
    status: 431,
  },
  {
    name: 'a callback signature in a non-canonical spelling',
    send: (e) =>
      call('callback', {
        params: { token: alternateSpelling(signCallbackToken(CALLBACK_SECRET, claims())) },
      })(e),
    status: 401,
    code: 'callback_malformed',
    mentions: ['canonical'],
  },
  {
    name: 'a callback signature with padding',
    send: (e) =>
      call('callback', { params: { token: `${signCallbackToken(CALLBACK_SECRET, claims())}=` } })(e),
    status: 401,
    code: 'callback_malformed',
  },
  {
    name: 'a callback for an attempt nobody waits on',
    send: (e) => call('callback', { params: { token: signCallbackToken(CALLBACK_SECRET, claims()) } })(e),
    status: 409,
    code: 'callback_not_expected',
  },
  {
    name: 'a run id with a NUL',
    send: call('getRun', { params: { id: 'r-abcd\u0000' } }),
    status: 400,
    code: 'invalid_request',
  },
];

test.each(table.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
  await check(e2e, c, seen);
});

test('the function key works as ?code= as well as x-functions-key', async () => {
  for (const key of [e2e.host.keys.default, e2e.host.keys.master]) {
    const byQuery = await e2e.host.invokeHttp('listRuns', { withoutKey: true, query: { code: key } });
    const byHeader = await e2e.host.invokeHttp('listRuns', {
      withoutKey: true,
      headers: { 'x-functions-key': key },
    });
    seen.push(byQuery.status, byHeader.status);
    expect([byQuery.status, byHeader.status]).toEqual([200, 200]);
  }
});

test('no case answered 5xx', () => {
  expect(seen.length).toBe(table.length + 4);
  expect(seen.filter((s) => s >= 500)).toEqual([]);
});
