import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { BlobServiceClient } from '@azure/storage-blob';
import { request } from 'node:https';
import { defaultCallPolicy } from '../../../src/adapters/call-policy';
import { BlobStore } from '../../../src/storage/blob-store';
import { UserDelegationSasSigner } from '../../../src/storage/sas';
import { SYSTEM_IDENTITY, mintToken, resourceFromScope } from '../../../packages/emulators/identity';
import { type Azurite, startAzurite } from '../../../packages/emulators/stack/azurite';
import { trustCertificate } from '../../../packages/emulators/stack/tls';
import { testCertificate } from '../../support/aci-client';

/** Managed-identity style tokens, as the embedded identity endpoint mints them. */
const credential: TokenCredential = {
  getToken: (scopes): Promise<AccessToken> => {
    const scope = Array.isArray(scopes) ? (scopes[0] ?? '') : scopes;
    const { token, claims } = mintToken(resourceFromScope(scope), SYSTEM_IDENTITY, Date.now(), 3600);
    return Promise.resolve({ token, expiresOnTimestamp: claims.exp * 1000 });
  },
};

/** GET over HTTPS trusting the test certificate (fetch would not). */
async function get(url: string): Promise<{ status: number; text: string }> {
  const { cert: ca } = await testCertificate();
  return new Promise((resolve, reject) => {
    request(url, { ca }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    })
      .on('error', reject)
      .end();
  });
}

describe('user delegation SAS on Azurite with HTTPS and --oauth basic', () => {
  let azurite: Azurite;
  let untrust: () => void;

  beforeAll(async () => {
    const cert = await testCertificate();
    untrust = trustCertificate(cert.cert);
    azurite = await startAzurite({ tls: { certFile: cert.certFile, keyFile: cert.keyFile }, oauth: true });
  });

  afterAll(async () => {
    await azurite.stop();
    untrust();
  });

  it('signs read SAS with a user delegation key fetched with the managed identity', async () => {
    const service = new BlobServiceClient(azurite.blobUrl, credential);
    const store = new BlobStore(service, new UserDelegationSasSigner(service, 'devstoreaccount1', 10_000), {
      policy: defaultCallPolicy(10_000),
      pipelinesContainer: 'pipelines',
    });
    await store.putText('udk', 'a.txt', 'alpha');
    const url = await store.readUrl('udk', 'a.txt', new Date(Date.now() + 3600_000));
    const params = new URL(url).searchParams;
    expect(params.get('skoid')).toBe(SYSTEM_IDENTITY.objectId);
    expect(params.get('sp')).toBe('r');
    expect(await get(url)).toEqual({ status: 200, text: 'alpha' });
    expect((await get(url.replace('/a.txt?', '/b.txt?'))).status).toBe(403);
  });
});
