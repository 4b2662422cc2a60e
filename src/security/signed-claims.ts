import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed bearer claims, the shape both callback tokens and upload grants share (docs/security.md):
 * `<claims>.<mac>`, both base64url, where mac = HMAC-SHA256(secret, domain + claims). The domain tag keeps one
 * kind of token from ever verifying as another under the same secret. Verification checks the MAC in constant
 * time, accepts only the canonical encoding, then the claims' shape and their expiry (`e`, epoch ms).
 */
export interface ClaimsKind<W extends { readonly e: number }> {
  /** How errors name the token, e.g. `callback token`. */
  readonly name: string;
  /** Prefixed to the payload before the MAC; '' for callback tokens (the first kind, kept as it was). */
  readonly domain: string;
  readonly isWire: (value: unknown) => value is W;
}

export interface ClaimsRefused {
  readonly ok: false;
  readonly code: 'malformed' | 'bad-signature' | 'expired';
  readonly message: string;
}

export type Verified<W> = { readonly ok: true; readonly wire: W } | ClaimsRefused;

/** The decoded claims as a record of fields, for an `isWire` check; undefined when they are not an object. */
export const wireFields = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;

const mac = (secret: string, domain: string, payload: string): Buffer =>
  createHmac('sha256', secret).update(domain).update(payload).digest();

export function signClaims<W extends { readonly e: number }>(
  kind: ClaimsKind<W>,
  secret: string,
  wire: W,
): string {
  const payload = Buffer.from(JSON.stringify(wire)).toString('base64url');
  return `${payload}.${mac(secret, kind.domain, payload).toString('base64url')}`;
}

export function verifyClaims<W extends { readonly e: number }>(
  kind: ClaimsKind<W>,
  secret: string,
  token: string,
  nowMs: number,
): Verified<W> {
  const failed = (code: ClaimsRefused['code'], what: string): ClaimsRefused => ({
    ok: false,
    code,
    message: `the ${kind.name} ${what}`,
  });
  const parts = token.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1] || !/^[A-Za-z0-9_-]+$/.test(parts[0] + parts[1]))
    return failed('malformed', 'is not <claims>.<signature>');
  const [payload, signature] = parts as [string, string];
  const given = Buffer.from(signature, 'base64url');
  // Only the canonical encoding: base64url without padding, unused trailing bits zero (Node's decoder would
  // also accept other spellings of the same bytes).
  if (given.toString('base64url') !== signature) return failed('malformed', 'is not canonical base64url');
  const expected = mac(secret, kind.domain, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return failed('bad-signature', 'signature does not match');
  let wire: unknown;
  try {
    wire = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return failed('malformed', 'claims are not JSON');
  }
  if (!kind.isWire(wire)) return failed('malformed', 'claims are incomplete');
  if (nowMs > wire.e) return failed('expired', 'has expired');
  return { ok: true, wire };
}
