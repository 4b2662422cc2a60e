import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { BlobServiceClient } from '@azure/storage-blob';
import { request as httpRequest } from 'node:http';
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
import { stagingContainerName } from '../../../src/compute/naming';

const credential: TokenCredential = {
  getToken: (scopes): Promise<AccessToken> => {
    const scope = Array.isArray(scopes) ? (scopes[0] ?? '') : scopes;
    const { token, claims } = mintToken(resourceFromScope(scope), SYSTEM_IDENTITY, Date.now(), 3600);
    return Promise.resolve({ token, expiresOnTimestamp: claims.exp * 1000 });
  },
};

async function send(method: string, url: string, body = ''): Promise<number> {
  const { cert: ca } = await testCertificate();
  const headers = method === 'PUT' ? { 'x-ms-blob-type': 'BlockBlob' } : {};
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, method, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const put = (url: string, body: string) => send('PUT', url, body);

/** A PUT over plain HTTP (this Azurite listens for TLS only: the connection itself fails or is refused). */
function plainPut(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end('x');
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

  it("gives a Batch task create+write on its own staging container only: not results, not another attempt's", async () => {
    await store.putText('results', 'r-other/manifest.json', '{"theirs":true}');
    const ref = { runId: 'r-batch', imageKey: 'img', step: 'step', attempt: 1 };
    const target = {
      outputs: { container: 'results', prefix: 'r-batch/img/step/attempt-1/out/' },
      logs: { container: 'results', prefix: 'r-batch/img/step/attempt-1/logs/' },
    };
    const expiresOn = store.sasExpiry(60_000);
    const mine = stagingContainerName(ref);
    const theirs = stagingContainerName({ ...ref, attempt: 2 });
    const url = new URL(await store.staging.create(mine, target, expiresOn));
    await store.staging.create(theirs, target, expiresOn);
    expect(url.pathname).toBe(`/devstoreaccount1/${mine}`);
    expect(url.searchParams.get('sr')).toBe('c');
    expect(url.searchParams.get('sp')).toBe('cw');
    expect(url.searchParams.get('spr')).toBe('https');
    expect(new Date(url.searchParams.get('se') ?? '').getTime()).toBeLessThanOrEqual(expiresOn.getTime());
    expect(expiresOn.getTime() - Date.now()).toBeLessThanOrEqual(60_000 + SAS_MARGIN_MS);
    const at = (container: string, blob: string) =>
      `${url.origin}/devstoreaccount1/${container}/${blob}${url.search}`;
    // Its own container: create, and write again (a retried task uploads again).
    expect(await put(at(mine, 'out/a.txt'), 'mine')).toBe(201);
    expect(await put(at(mine, 'out/a.txt'), 'again')).toBe(201);
    expect(await put(at(mine, 'logs/stdout.txt'), 'log')).toBe(201);
    // Nothing it can read, list or delete, even of its own.
    expect(await send('GET', at(mine, 'out/a.txt'))).toBe(403);
    expect(await send('DELETE', at(mine, 'out/a.txt'))).toBe(403);
    expect(await send('GET', `${url.origin}${url.pathname}${url.search}&restype=container&comp=list`)).toBe(
      403,
    );
    expect(await send('DELETE', `${url.origin}${url.pathname}${url.search}&restype=container`)).toBe(403);
    // The results container (every run's manifests, records and logs) and another attempt's staging: refused.
    expect(await put(at('results', 'r-batch/img/step/attempt-1/out/a.txt'), 'x')).toBe(403);
    expect(await put(at('results', 'r-other/manifest.json'), '{"forged":true}')).toBe(403);
    expect(await send('GET', at('results', 'r-other/manifest.json'))).toBe(403);
    expect(await put(at(theirs, 'out/a.txt'), 'x')).toBe(403);
    expect(await store.getText('results', 'r-other/manifest.json')).toBe('{"theirs":true}');
    // Over plain HTTP the same signature is refused (spr=https).
    const http = at(mine, 'out/b.txt').replace(/^https:/, 'http:');
    expect(await plainPut(http).catch(() => 'refused')).not.toBe(201);
    // The app collects with its own credential: the step's outputs and logs land under its prefix.
    await store.staging.collect(mine, { outputs: true });
    await store.staging.collect(theirs, { outputs: false });
    expect(await store.getText('results', 'r-batch/img/step/attempt-1/out/a.txt')).toBe('again');
    expect(await store.getText('results', 'r-batch/img/step/attempt-1/logs/stdout.txt')).toBe('log');
  });
});
