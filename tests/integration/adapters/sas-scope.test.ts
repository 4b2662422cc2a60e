import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { BlobServiceClient } from '@azure/storage-blob';
import { request } from 'node:https';
import { defaultCallPolicy } from '../../../src/adapters/call-policy';
import { BlobStore, SAS_MARGIN_MS } from '../../../src/storage/blob-store';
import { UserDelegationSasSigner } from '../../../src/storage/sas';
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
});
