import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Container callback tokens (docs/orchestration.md, "Completion events"): `<claims>.<mac>`, both base64url,
 * where mac = HMAC-SHA256(FLOTILLA_CALLBACK_SECRET, claims). The token names exactly one attempt of one step
 * and expires; it grants nothing else. Never log a token: it is a bearer credential until it expires.
 */
export interface CallbackClaims {
  readonly runId: string;
  readonly imageKey: string;
  readonly step: string;
  readonly attempt: number;
  /**
   * The orchestration instance waiting for the attempt (a lane running it inline). Absent: the step's own
   * instance, derived from the other claims (docs/orchestration.md, "Completion events").
   */
  readonly instance?: string;
  /** Epoch milliseconds after which the token is refused. */
  readonly expiresAt: number;
}

export type VerifyResult =
  | { readonly ok: true; readonly claims: CallbackClaims }
  | {
      readonly ok: false;
      readonly code: 'malformed' | 'bad-signature' | 'expired';
      readonly message: string;
    };

interface WireClaims {
  r: string;
  i: string;
  s: string;
  a: number;
  h?: string;
  e: number;
}

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

export function signCallbackToken(secret: string, claims: CallbackClaims): string {
  const wire: WireClaims = {
    r: claims.runId,
    i: claims.imageKey,
    s: claims.step,
    a: claims.attempt,
    ...(claims.instance !== undefined ? { h: claims.instance } : {}),
    e: claims.expiresAt,
  };
  const payload = Buffer.from(JSON.stringify(wire)).toString('base64url');
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

function isWireClaims(value: unknown): value is WireClaims {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.r === 'string' &&
    typeof v.i === 'string' &&
    typeof v.s === 'string' &&
    Number.isSafeInteger(v.a) &&
    (v.a as number) >= 1 &&
    (v.h === undefined || typeof v.h === 'string') &&
    Number.isSafeInteger(v.e)
  );
}

/** Checks the MAC in constant time first, then the expiry against `nowMs`. */
export function verifyCallbackToken(secret: string, token: string, nowMs: number): VerifyResult {
  const parts = token.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1] || !/^[A-Za-z0-9_-]+$/.test(parts[0] + parts[1])) {
    return { ok: false, code: 'malformed', message: 'the callback token is not <claims>.<signature>' };
  }
  const [payload, signature] = parts as [string, string];
  const expected = mac(secret, payload);
  const given = Buffer.from(signature, 'base64url');
  // Only the canonical encoding: base64url without padding, unused trailing bits zero (Node's decoder would
  // also accept other spellings of the same bytes).
  if (given.toString('base64url') !== signature) {
    return { ok: false, code: 'malformed', message: 'the callback token is not canonical base64url' };
  }
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, code: 'bad-signature', message: 'the callback token signature does not match' };
  }
  let wire: unknown;
  try {
    wire = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, code: 'malformed', message: 'the callback token claims are not JSON' };
  }
  if (!isWireClaims(wire)) {
    return { ok: false, code: 'malformed', message: 'the callback token claims are incomplete' };
  }
  if (nowMs > wire.e) return { ok: false, code: 'expired', message: 'the callback token has expired' };
  return {
    ok: true,
    claims: {
      runId: wire.r,
      imageKey: wire.i,
      step: wire.s,
      attempt: wire.a,
      ...(wire.h !== undefined ? { instance: wire.h } : {}),
      expiresAt: wire.e,
    },
  };
}
