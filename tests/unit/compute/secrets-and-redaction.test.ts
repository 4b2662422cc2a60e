import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { type IncomingMessage, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AdapterError } from '../../../src/adapters/errors';
import { redact } from '../../../src/adapters/redact';
import { DefaultSecretResolver } from '../../../src/secrets/secret-resolver';

const credential = (seen: string[]): TokenCredential => ({
  getToken: (scopes): Promise<AccessToken> => {
    seen.push(String(scopes));
    return Promise.resolve({ token: 'kv-token', expiresOnTimestamp: Date.now() + 60_000 });
  },
});

describe('secret references', () => {
  it('resolves setting: references from the values the composition root hands over', async () => {
    const resolver = new DefaultSecretResolver(undefined, { REG_PW: 'pw' }, 1000);
    expect(await resolver.resolve('setting:REG_PW')).toBe('pw');
    const error = (await resolver.resolve('setting:MISSING').catch((e: unknown) => e)) as AdapterError;
    expect(error).toMatchObject({ code: 'SECRET_UNRESOLVED', kind: 'permanent' });
    expect(error.message).not.toContain('pw');
  });

  it('reads keyvault: references with a Key Vault token, never echoing the value in errors', async () => {
    const requests: { path?: string; auth?: string }[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      requests.push({ path: req.url, auth: req.headers.authorization });
      if (req.url?.startsWith('/secrets/db-password'))
        res.writeHead(200).end(JSON.stringify({ value: 's3cret' }));
      else res.writeHead(403).end('{"error":{"code":"Forbidden"}}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const scopes: string[] = [];
      const resolver = new DefaultSecretResolver(credential(scopes), {}, 1000);
      expect(await resolver.resolve(`keyvault:${base}/secrets/db-password`)).toBe('s3cret');
      expect(scopes).toEqual(['https://vault.azure.net/.default']);
      expect(requests[0]).toEqual({ path: '/secrets/db-password?api-version=7.4', auth: 'Bearer kv-token' });
      const denied = (await resolver
        .resolve(`keyvault:${base}/secrets/other`)
        .catch((e: unknown) => e)) as AdapterError;
      expect(denied).toMatchObject({ code: 'SECRET_UNRESOLVED', kind: 'permanent' });
      expect(denied.message).toContain('HTTP 403');
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('rejects an unknown reference form without repeating it (it may be the secret itself)', async () => {
    const error = (await new DefaultSecretResolver(undefined, {}, 1000)
      .resolve('hunter2-the-password')
      .catch((e: unknown) => e)) as AdapterError;
    expect(error).toBeInstanceOf(AdapterError);
    expect(error.message).toMatch(/expected keyvault:https:\/\/<vault>/);
    expect(error.message).not.toContain('hunter2');
  });
});

describe('redaction', () => {
  it('removes SAS signatures, bearer tokens, shared keys and account keys', () => {
    const text =
      'GET https://a.blob.core.windows.net/c/b?sv=2021&sig=abc%2Bdef&se=x Authorization: Bearer eyJ0.eyJ1.sig SharedKey acct:c2lnbmF0dXJl AccountKey=a2V5==;';
    const out = redact(text);
    for (const secret of ['abc%2Bdef', 'eyJ0.eyJ1.sig', 'c2lnbmF0dXJl', 'a2V5=='])
      expect(out).not.toContain(secret);
    expect(out).toContain('sig=***');
  });
});
