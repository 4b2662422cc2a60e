import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { BatchHttpError } from './errors';

/** The only audience Batch accepts for AAD tokens (docs/emulators-batch.md, 'Token audience'). */
export const BATCH_AUDIENCE = 'https://batch.core.windows.net/';

export interface AuthRequest {
  readonly method: string;
  /** Path and query as received. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
}

const header = (headers: IncomingHttpHeaders, name: string): string => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
};

/** The string @azure/batch 10.2.0 signs (batchSharedKeyCredentials.js), rebuilt from the received request. */
export function stringToSign(req: AuthRequest, account: string): string {
  const url = new URL(req.url, 'http://emulator');
  const length = req.rawBody.length
    ? String(Buffer.byteLength(req.rawBody))
    : req.method === 'POST'
      ? '0'
      : '';
  const standard = [
    req.method,
    header(req.headers, 'content-encoding'),
    header(req.headers, 'content-language'),
    length,
    header(req.headers, 'content-md5'),
    header(req.headers, 'content-type'),
    header(req.headers, 'date'),
    header(req.headers, 'if-modified-since'),
    header(req.headers, 'if-match'),
    header(req.headers, 'if-none-match'),
    header(req.headers, 'if-unmodified-since'),
    header(req.headers, 'range'),
  ];
  let text = standard.join('\n') + '\n';
  for (const name of Object.keys(req.headers)
    .filter((n) => n.startsWith('ocp-'))
    .sort()) {
    text += `${name}:${header(req.headers, name)}\n`;
  }
  text += `/${account}${url.pathname}`;
  for (const name of [...new Set(url.searchParams.keys())].sort()) {
    text += `\n${name}:${url.searchParams.get(name) ?? ''}`;
  }
  return text;
}

export function signSharedKey(text: string, key: string): string {
  return createHmac('sha256', Buffer.from(key, 'base64')).update(text, 'utf8').digest('base64');
}

const authFailed = (detail: string) =>
  new BatchHttpError(
    403,
    'AuthenticationFailed',
    'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.',
    [{ key: 'AuthenticationErrorDetail', value: detail }],
  );

/** Throws 403 AuthenticationFailed unless the request carries a valid shared key or a Batch-audience token. */
export function authenticate(req: AuthRequest, account: string, key: string): 'sharedkey' | 'bearer' {
  const authorization = header(req.headers, 'authorization');
  const sharedKey = /^SharedKey ([^:]+):(.+)$/.exec(authorization);
  if (sharedKey) {
    const [, name = '', signature = ''] = sharedKey;
    if (name !== account)
      throw authFailed(`The account '${name}' in the Authorization header is not this account.`);
    const expected = signSharedKey(stringToSign(req, account), key);
    const ok =
      expected.length === signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
    if (!ok) {
      throw authFailed(
        'The MAC signature found in the HTTP request is not the same as any computed signature.',
      );
    }
    return 'sharedkey';
  }
  const bearer = /^Bearer (.+)$/.exec(authorization);
  if (bearer) {
    const audience = tokenAudience(bearer[1] ?? '');
    if (audience !== BATCH_AUDIENCE) {
      throw authFailed(
        `The access token has been obtained from wrong audience or resource '${audience ?? '(none)'}'. It should exactly match with one of the allowed audiences '${BATCH_AUDIENCE}'`,
      );
    }
    return 'bearer';
  }
  throw authFailed(
    authorization
      ? 'The Authorization header is neither a SharedKey signature nor a Bearer token.'
      : 'The Authorization header is missing.',
  );
}

/** The `aud` claim of a JWT (signatures are not checked: the identity emulator mints unsigned tokens). */
function tokenAudience(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { aud?: unknown };
    return typeof claims.aud === 'string' ? claims.aud : undefined;
  } catch {
    return undefined;
  }
}
