import { ArmError } from './errors';

/**
 * ARM bearer authentication: the token is decoded (not verified: the embedded identity endpoint mints unsigned
 * tokens) and its `aud` must be one of the accepted audiences. Errors carry ARM's codes and messages.
 */
export function checkBearer(
  header: string | undefined,
  audiences: readonly string[],
  nowMs: number = Date.now(),
): ArmError | undefined {
  if (!header) {
    return new ArmError(
      401,
      'AuthenticationFailed',
      "Authentication failed. The 'Authorization' header is missing.",
    );
  }
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) {
    return new ArmError(
      401,
      'AuthenticationFailed',
      "Authentication failed. The 'Authorization' header is provided in an invalid format.",
    );
  }
  const claims = decodeJwtPayload(match[1]);
  if (!claims) {
    return new ArmError(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
  }
  if (typeof claims.exp === 'number' && claims.exp * 1000 < nowMs) {
    return new ArmError(
      401,
      'ExpiredAuthenticationToken',
      'The access token expiry UTC time is earlier than current UTC time.',
    );
  }
  const aud = claims.aud;
  const given = Array.isArray(aud) ? aud.filter((a) => typeof a === 'string') : [aud];
  if (!given.some((a) => typeof a === 'string' && audiences.includes(a))) {
    return new ArmError(
      401,
      'InvalidAuthenticationTokenAudience',
      `The access token has been obtained for wrong audience or resource '${typeof aud === 'string' ? aud : JSON.stringify(aud ?? null)}'. It should exactly match with one of the allowed audiences '${audiences.join("','")}'.`,
    );
  }
  return undefined;
}

export function decodeJwtPayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length < 2 || !parts[1]) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
