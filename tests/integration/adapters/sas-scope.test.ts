import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { BlobServiceClient } from '@azure/storage-blob';
import { request } from 'node:https';
import { defaultCallPolicy } from '../../../src/adapters/call-policy';
import { BlobStore, SAS_MARGIN_MS } from '../../../src/storage/blob-store';
import { UserDelegationSasSigner } from '../../../src/storage/sas';
import { grantUploads } from '../../../src/api/step-uploads';
import { ApiError } from '../../../src/api/http';
import { signCallbackToken } from '../../../src/security/callback-token';
import { signUploadGrant } from '../../../src/security/upload-grant';
import { SYSTEM_IDENTITY, mintToken, resourceFromScope } from '../../../packages/emulators/identity';
import { type Azurite, startAzurite } from '../../../packages/emulators/stack/azurite';
import { trustCertificate } from '../../../packages/emulators/stack/tls';
import { testCertificate } from '../../support/aci-client';

const credential: TokenCredential = {
  getToken: (scopes): Promise<AccessToken> => {
    const scope = Array.isArray(scopes) ? (scopes[0] ?? '') : scopes;
    const { token, claims } = mintToken(resourceFromScope(scope), SYSTEM_IDENTITY, Date.now(), 3600);
    return Promise.resolve({ token, expiresOnTimestamp: claims.exp * 1000 });
  },
};

async function put(url: string, body: string): Promise<number> {
  const { cert: ca } = await testCertificate();
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The SAS a step gets, as the app signs it (user delegation key, real Azurite 3.37 over HTTPS). */
describe("a step's SAS on Azurite", () => {
  let azurite: Azurite;
  let untrust: () => void;
  let store: BlobStore;

  beforeAll(async () => {
    const cert = await testCertificate();
    untrust = trustCertificate(cert.cert);
    azurite = await startAzurite({ tls: { certFile: cert.certFile, keyFile: cert.keyFile }, oauth: true });
    const service = new BlobServiceClient(azurite.blobUrl, credential);
    store = new BlobStore(service, new UserDelegationSasSigner(service, 'devstoreaccount1', 10_000), {
      policy: defaultCallPolicy(10_000),
      pipelinesContainer: 'pipelines',
    });
  });
  afterAll(async () => {
    await azurite.stop();
    untrust();
  });

  it('is HTTPS-only, short-lived and create-only: it cannot overwrite any blob that exists', async () => {
    await store.putText('results', 'r-other/manifest.json', '{"theirs":true}');
    const expiresOn = store.sasExpiry(60_000);
    expect(expiresOn.getTime() - Date.now()).toBeLessThanOrEqual(60_000 + SAS_MARGIN_MS);
    const url = new URL(await store.writeUrl('results', expiresOn));
    expect(url.searchParams.get('spr')).toBe('https');
    expect(url.searchParams.get('sp')).toBe('c');
    const at = (blob: string) => `${url.origin}${url.pathname}/${blob}${url.search}`;
    // Its own new output: created.
    expect(await put(at('r-mine/img/step/attempt-1/out/a.txt'), 'mine')).toBe(201);
    // Another run's manifest, or its own output a second time: refused.
    expect(await put(at('r-other/manifest.json'), '{"forged":true}')).toBe(403);
    expect(await put(at('r-mine/img/step/attempt-1/out/a.txt'), 'again')).toBe(403);
    expect(await store.getText('results', 'r-other/manifest.json')).toBe('{"theirs":true}');
  });

  it('reads one input blob only, over HTTPS only', async () => {
    await store.putText('images', 'in/a.tif', 'alpha');
    await store.putText('images', 'in/b.tif', 'beta');
    const url = new URL(await store.readUrl('images', 'in/a.tif', store.sasExpiry(60_000)));
    expect(url.searchParams.get('spr')).toBe('https');
    expect(url.searchParams.get('sp')).toBe('r');
    expect(await put(url.toString(), 'overwrite')).toBe(403);
    expect(await put(url.toString().replace('/a.tif?', '/b.tif?'), 'overwrite')).toBe(403);
  });

  it("grants an ACI step create-only URLs of its own outputs' blobs and nothing else", async () => {
    const secret = 'upload-test-secret';
    await store.putText('results', 'r-grant/img/step/attempt-1/logs/stdout.txt', 'log');
    const prefix = 'r-grant/img/step/attempt-1/out';
    const grant = signUploadGrant(secret, {
      container: 'results',
      prefix,
      expiresAt: store.sasExpiry(60_000).getTime(),
    });
    const { urls } = await grantUploads(store, secret, grant, { files: ['a.txt', 'sub/b.txt'] }, Date.now());
    expect(Object.keys(urls).sort()).toEqual(['a.txt', 'sub/b.txt']);
    const a = new URL(urls['a.txt'] ?? '');
    expect(a.pathname).toBe(`/devstoreaccount1/results/${prefix}/a.txt`);
    expect(a.searchParams.get('sr')).toBe('b');
    expect(a.searchParams.get('sp')).toBe('c');
    expect(a.searchParams.get('spr')).toBe('https');
    expect(await put(a.toString(), 'mine')).toBe(201);
    // The same URL cannot overwrite, and its signature reaches no other blob: not a sibling, not the logs.
    expect(await put(a.toString(), 'again')).toBe(403);
    expect(await put(a.toString().replace('/out/a.txt?', '/out/c.txt?'), 'x')).toBe(403);
    expect(await put(a.toString().replace('/out/a.txt?', '/logs/stdout.txt?'), 'x')).toBe(403);
    expect(await store.getText('results', `${prefix}/a.txt`)).toBe('mine');
    expect(await store.getText('results', 'r-grant/img/step/attempt-1/logs/stdout.txt')).toBe('log');
  });

  it('refuses paths that leave the prefix, forged or expired grants, and callback tokens', async () => {
    const secret = 'upload-test-secret';
    const grant = signUploadGrant(secret, {
      container: 'results',
      prefix: 'r/p',
      expiresAt: Date.now() + 60_000,
    });
    const refusal = (g: string, body: unknown, now = Date.now()) =>
      grantUploads(store, secret, g, body, now).then(
        () => undefined,
        (error: unknown) =>
          error instanceof ApiError ? { status: error.status, message: error.message } : error,
      );
    for (const bad of ['../x', 'a/../../b', '/abs', 'a//b', 'a\\b', 'nul\u0000', 'bidi\u202e.txt', './a']) {
      const answer = await refusal(grant, { files: ['ok.txt', bad] });
      expect(answer).toMatchObject({ status: 400, message: expect.stringContaining('files[1]') });
    }
    expect(await refusal(grant, { files: [] })).toMatchObject({ status: 400 });
    expect(await refusal(grant, { files: ['a'], extra: 1 })).toMatchObject({ status: 400 });
    expect(await refusal(`${grant.slice(0, -2)}AA`, { files: ['a'] })).toMatchObject({ status: 401 });
    expect(await refusal(grant, { files: ['a'] }, Date.now() + 120_000)).toMatchObject({ status: 410 });
    const callbackToken = signCallbackToken(secret, {
      runId: 'r',
      imageKey: 'p',
      step: 's',
      attempt: 1,
      expiresAt: Date.now() + 60_000,
    });
    expect(await refusal(callbackToken, { files: ['a'] })).toMatchObject({ status: 401 });
  });
});
