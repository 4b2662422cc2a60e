import { type ClaimsKind, type ClaimsRefused, signClaims, verifyClaims, wireFields } from './signed-claims';

/**
 * Container callback tokens (docs/orchestration.md, "Completion events"): signed claims (signed-claims.ts) under
 * FLOTILLA_CALLBACK_SECRET. The token names exactly one attempt of one step and expires; it grants nothing
 * else. Never log a token: it is a bearer credential until it expires.
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

export type VerifyResult = { readonly ok: true; readonly claims: CallbackClaims } | ClaimsRefused;

interface WireClaims {
  readonly r: string;
  readonly i: string;
  readonly s: string;
  readonly a: number;
  readonly h?: string;
  readonly e: number;
}

const CALLBACK: ClaimsKind<WireClaims> = {
  name: 'callback token',
  domain: '',
  isWire: (value): value is WireClaims => {
    const v = wireFields(value);
    return (
      v !== undefined &&
      typeof v.r === 'string' &&
      typeof v.i === 'string' &&
      typeof v.s === 'string' &&
      Number.isSafeInteger(v.a) &&
      (v.a as number) >= 1 &&
      (v.h === undefined || typeof v.h === 'string') &&
      Number.isSafeInteger(v.e)
    );
  },
};

export function signCallbackToken(secret: string, claims: CallbackClaims): string {
  return signClaims(CALLBACK, secret, {
    r: claims.runId,
    i: claims.imageKey,
    s: claims.step,
    a: claims.attempt,
    ...(claims.instance !== undefined ? { h: claims.instance } : {}),
    e: claims.expiresAt,
  });
}

/** Checks the MAC in constant time first, then the expiry against `nowMs`. */
export function verifyCallbackToken(secret: string, token: string, nowMs: number): VerifyResult {
  const verified = verifyClaims(CALLBACK, secret, token, nowMs);
  if (!verified.ok) return verified;
  const { wire } = verified;
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
