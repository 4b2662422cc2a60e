import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Upload grants (docs/security.md, "Output uploads"): `<claims>.<mac>`, both base64url, naming one container,
 * one blob prefix (a step attempt's outputs) and an expiry. The stage-out sidecar trades it at
 * `POST /api/step-uploads/{grant}` for create-only SAS URLs of single blobs under that prefix, so no container holds a
 * SAS that reaches beyond its own outputs. The MAC is domain-separated from callback tokens (same secret): a
 * callback token is never a grant, nor the reverse. A bearer credential until it expires: never logged.
 */
export interface UploadClaims {
  readonly container: string;
  /** Blob prefix without leading or trailing slashes. */
  readonly prefix: string;
  /** Epoch milliseconds after which the grant is refused. */
  readonly expiresAt: number;
}

export type GrantResult =
  | { readonly ok: true; readonly claims: UploadClaims }
  | {
      readonly ok: false;
      readonly code: 'malformed' | 'bad-signature' | 'expired';
      readonly message: string;
    };

const DOMAIN = 'flotilla-upload-grant-v1\n';

const mac = (secret: string, payload: string): Buffer =>
  createHmac('sha256', secret).update(DOMAIN).update(payload).digest();

export function signUploadGrant(secret: string, claims: UploadClaims): string {
  const wire = { c: claims.container, p: claims.prefix, e: claims.expiresAt };
  const payload = Buffer.from(JSON.stringify(wire)).toString('base64url');
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

function isWire(value: unknown): value is { c: string; p: string; e: number } {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.c === 'string' && v.c !== '' && typeof v.p === 'string' && Number.isSafeInteger(v.e);
}

/** Checks the MAC in constant time first, then the expiry against `nowMs`. */
export function verifyUploadGrant(secret: string, grant: string, nowMs: number): GrantResult {
  const parts = grant.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1] || !/^[A-Za-z0-9_-]+$/.test(parts[0] + parts[1])) {
    return { ok: false, code: 'malformed', message: 'the upload grant is not <claims>.<signature>' };
  }
  const [payload, signature] = parts as [string, string];
  const given = Buffer.from(signature, 'base64url');
  if (given.toString('base64url') !== signature) {
    return { ok: false, code: 'malformed', message: 'the upload grant is not canonical base64url' };
  }
  const expected = mac(secret, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, code: 'bad-signature', message: 'the upload grant signature does not match' };
  }
  let wire: unknown;
  try {
    wire = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, code: 'malformed', message: 'the upload grant claims are not JSON' };
  }
  if (!isWire(wire))
    return { ok: false, code: 'malformed', message: 'the upload grant claims are incomplete' };
  if (nowMs > wire.e) return { ok: false, code: 'expired', message: 'the upload grant has expired' };
  return { ok: true, claims: { container: wire.c, prefix: wire.p, expiresAt: wire.e } };
}
