import { signCallbackToken, verifyCallbackToken } from '../../../src/security/callback-token';

const secret = 'a-test-secret-of-at-least-32-characters!';
const claims = { runId: 'r-abc123', imageKey: 'scene-1', step: 'tile', attempt: 2, expiresAt: 1_000_000 };

describe('callback tokens', () => {
  it('round-trip the claims before expiry', () => {
    const token = signCallbackToken(secret, claims);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(verifyCallbackToken(secret, token, 999_999)).toEqual({ ok: true, claims });
  });

  it('refuse an expired token', () => {
    const result = verifyCallbackToken(secret, signCallbackToken(secret, claims), 1_000_001);
    expect(result).toMatchObject({ ok: false, code: 'expired' });
  });

  it('refuse a token signed with another secret', () => {
    const forged = signCallbackToken('another-secret-of-at-least-32-characters', claims);
    expect(verifyCallbackToken(secret, forged, 0)).toMatchObject({ ok: false, code: 'bad-signature' });
  });

  it('refuse claims changed after signing (another attempt or step)', () => {
    const token = signCallbackToken(secret, claims);
    const [, mac] = token.split('.');
    for (const changed of [
      { ...claims, attempt: 3 },
      { ...claims, step: 'predict' },
      { ...claims, expiresAt: 9e12 },
    ]) {
      const [payload] = signCallbackToken(secret, changed).split('.');
      expect(verifyCallbackToken(secret, `${payload}.${mac}`, 0)).toMatchObject({
        ok: false,
        code: 'bad-signature',
      });
    }
  });

  it('refuse malformed tokens without throwing', () => {
    for (const bad of ['', 'abc', 'a.b.c', 'a.', '.b', 'a b.c', 'x.@@@']) {
      expect(verifyCallbackToken(secret, bad, 0)).toMatchObject({ ok: false });
    }
    const mac = signCallbackToken(secret, claims).split('.')[1];
    expect(verifyCallbackToken(secret, `bm90LWpzb24.${mac}`, 0)).toMatchObject({
      ok: false,
      code: 'bad-signature',
    });
  });
});
