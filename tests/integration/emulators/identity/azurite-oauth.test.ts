import { ManagedIdentityCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type IdentityEndpoint, startIdentityEndpoint } from '../../../../packages/emulators/identity';
import { type Azurite, startAzurite } from '../../../../packages/emulators/stack/azurite';
import { ensureDevCertificate, trustCertificate } from '../../../../packages/emulators/stack/tls';
import { uniqueContainerName } from '../../../support/azurite';

/** Azurite over HTTPS with `--oauth basic` accepts the emulated identity's storage tokens, as Azure would. */
let identity: IdentityEndpoint;
let azurite: Azurite;
let stateDir: string;
let untrust: () => void;
const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'flotilla-identity-'));
  const certificate = await ensureDevCertificate(stateDir);
  untrust = trustCertificate(certificate.cert);
  [identity, azurite] = await Promise.all([
    startIdentityEndpoint(),
    startAzurite({ tls: certificate, oauth: true }),
  ]);
  Object.assign(process.env, identity.env());
});

afterAll(async () => {
  untrust?.();
  for (const [key, value] of [
    ['IDENTITY_ENDPOINT', saved.endpoint],
    ['IDENTITY_HEADER', saved.header],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await Promise.all([identity?.stop(), azurite?.stop()]);
  rmSync(stateDir, { recursive: true, force: true });
});

test('a BlobServiceClient with the managed identity writes and reads a blob', async () => {
  const service = new BlobServiceClient(azurite.blobUrl, new ManagedIdentityCredential());
  const container = service.getContainerClient(uniqueContainerName('mi'));
  await container.create();
  const blob = container.getBlockBlobClient('hello.txt');
  await blob.upload('hello from the identity', 23);
  const text = (await blob.downloadToBuffer()).toString('utf8');
  expect(text).toBe('hello from the identity');
  expect(identity.issued().some((t) => t.resource === 'https://storage.azure.com')).toBe(true);
});

test('Azurite rejects a token issued for another audience', async () => {
  const mi = new ManagedIdentityCredential();
  const armOnly = { getToken: () => mi.getToken('https://management.azure.com/.default') };
  const service = new BlobServiceClient(azurite.blobUrl, armOnly);
  const error = await service
    .getContainerClient(uniqueContainerName('wrong-aud'))
    .create()
    .then(
      () => undefined,
      (e: unknown) => e as { statusCode?: number; code?: string; details?: Record<string, unknown> },
    );
  expect(error?.statusCode).toBe(403);
  expect(error?.code).toBe('AuthenticationFailed');
  expect(JSON.stringify(error?.details)).toMatch(/Invalid token audience/);
});
