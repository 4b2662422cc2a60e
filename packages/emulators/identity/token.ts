import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Access tokens minted by the emulated managed identity: JWTs shaped like Entra ID v1 tokens (`iss`
 * `https://sts.windows.net/<tenant>/`, `aud` = the requested resource, `oid`, `tid`, `appid`, `exp`...), signed
 * with HS256 and a fixed, public key. They carry no secret: they only let the emulators (and Azurite's
 * `--oauth basic`, which checks issuer, audience and lifetime) tell the identities and audiences apart.
 */
export const EMULATOR_TENANT_ID = '72f988bf-0000-4000-8000-f1071ac0ffee';
export const EMULATOR_TOKEN_KEY = 'flotilla-emulator-token-key (public, not a secret)';

export interface TokenClaims {
  readonly aud: string;
  readonly iss: string;
  readonly iat: number;
  readonly nbf: number;
  readonly exp: number;
  readonly oid: string;
  readonly tid: string;
  readonly sub: string;
  readonly appid: string;
  readonly idtyp: 'app';
  readonly xms_mirid?: string;
  readonly [claim: string]: unknown;
}

export interface IdentityInfo {
  readonly objectId: string;
  readonly clientId: string;
  readonly resourceId?: string;
}

/** `https://batch.core.windows.net//.default` -> `https://batch.core.windows.net/`; `.../.default` -> `...`. */
export function resourceFromScope(scope: string): string {
  return scope.endsWith('/.default') ? scope.slice(0, -'/.default'.length) : scope;
}

export function mintToken(
  resource: string,
  identity: IdentityInfo,
  nowMs: number,
  lifetimeSeconds: number,
  tenantId = EMULATOR_TENANT_ID,
): { token: string; claims: TokenClaims } {
  const now = Math.floor(nowMs / 1000);
  const claims: TokenClaims = {
    aud: resourceFromScope(resource),
    iss: `https://sts.windows.net/${tenantId}/`,
    iat: now,
    nbf: now - 300,
    exp: now + lifetimeSeconds,
    oid: identity.objectId,
    tid: tenantId,
    sub: identity.objectId,
    appid: identity.clientId,
    idtyp: 'app',
    ver: '1.0',
    ...(identity.resourceId ? { xms_mirid: identity.resourceId } : {}),
  };
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify(claims));
  return { token: `${header}.${payload}.${sign(`${header}.${payload}`)}`, claims };
}

export type TokenCheck =
  { readonly ok: true; readonly claims: TokenClaims } | { readonly ok: false; readonly reason: string };

/**
 * Checks a bearer token minted by this endpoint: signature, lifetime and audience. For use by the ACI and
 * Batch emulators: `checkBearer(req.headers.authorization, ['https://batch.core.windows.net/'])`.
 * Audiences compare with and without a trailing slash, as Azure does.
 */
export function checkBearer(
  authorization: string | undefined,
  audiences: readonly string[],
  nowMs: number = Date.now(),
): TokenCheck {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!match) return { ok: false, reason: 'no bearer token in the Authorization header' };
  const parts = (match[1] as string).split('.');
  if (parts.length !== 3) return { ok: false, reason: 'the bearer token is not a JWT' };
  const [header, payload, signature] = parts as [string, string, string];
  const expected = Buffer.from(sign(`${header}.${payload}`));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: 'the token signature is not valid (not issued by the emulated identity)' };
  }
  let claims: TokenClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
  } catch {
    return { ok: false, reason: 'the token payload is not JSON' };
  }
  const now = Math.floor(nowMs / 1000);
  if (typeof claims.exp !== 'number' || now > claims.exp)
    return { ok: false, reason: 'the token is expired' };
  if (typeof claims.nbf === 'number' && now < claims.nbf)
    return { ok: false, reason: 'the token is not yet valid' };
  const trim = (s: string) => s.replace(/\/+$/, '');
  if (!audiences.some((a) => trim(a) === trim(String(claims.aud)))) {
    return {
      ok: false,
      reason: `The access token has been obtained from wrong audience or resource '${String(claims.aud)}'. It should exactly match with one of the allowed audiences ${audiences.map((a) => `'${a}'`).join(', ')}`,
    };
  }
  return { ok: true, claims };
}

/** A stable GUID-shaped id derived from a name (for user-assigned identities named by client or resource id). */
export function stableGuid(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function sign(input: string): string {
  return createHmac('sha256', EMULATOR_TOKEN_KEY).update(input).digest('base64url');
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
