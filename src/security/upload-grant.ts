import { type ClaimsKind, type ClaimsRefused, signClaims, verifyClaims, wireFields } from './signed-claims';

/**
 * Upload grants (docs/security.md, "Output uploads"): signed claims (signed-claims.ts) naming one container, one
 * blob prefix (a step attempt's outputs) and an expiry. The stage-out sidecar trades it at
 * `POST /api/step-uploads/{grant}` for create-only SAS URLs of single blobs under that prefix, so no container
 * holds a SAS that reaches beyond its own outputs. The MAC is domain-separated from callback tokens (same
 * secret): a callback token is never a grant, nor the reverse. A bearer credential until it expires: never logged.
 */
export interface UploadClaims {
  readonly container: string;
  /** Blob prefix without leading or trailing slashes. */
  readonly prefix: string;
  /** Epoch milliseconds after which the grant is refused. */
  readonly expiresAt: number;
}

export type GrantResult = { readonly ok: true; readonly claims: UploadClaims } | ClaimsRefused;

interface WireGrant {
  readonly c: string;
  readonly p: string;
  readonly e: number;
}

const GRANT: ClaimsKind<WireGrant> = {
  name: 'upload grant',
  domain: 'flotilla-upload-grant-v1\n',
  isWire: (value): value is WireGrant => {
    const v = wireFields(value);
    return (
      v !== undefined &&
      typeof v.c === 'string' &&
      v.c !== '' &&
      typeof v.p === 'string' &&
      Number.isSafeInteger(v.e)
    );
  },
};

export function signUploadGrant(secret: string, claims: UploadClaims): string {
  return signClaims(GRANT, secret, { c: claims.container, p: claims.prefix, e: claims.expiresAt });
}

/** Checks the MAC in constant time first, then the expiry against `nowMs`. */
export function verifyUploadGrant(secret: string, grant: string, nowMs: number): GrantResult {
  const verified = verifyClaims(GRANT, secret, grant, nowMs);
  if (!verified.ok) return verified;
  return {
    ok: true,
    claims: { container: verified.wire.c, prefix: verified.wire.p, expiresAt: verified.wire.e },
  };
}
