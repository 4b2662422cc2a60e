import { StorageSharedKeyCredential } from '@azure/storage-blob';
import { defaultCallPolicy } from '../../../src/adapters/call-policy';
import { BlobStore } from '../../../src/storage/blob-store';
import { SharedKeySasSigner } from '../../../src/storage/sas';
import { AZURITE_ACCOUNT, AZURITE_KEY } from '../../../packages/emulators/stack/azurite';
import { azuriteBlobService } from '../../support/azurite';

/** The blob adapter over the test run's Azurite (HTTP, dev account key, service SAS). */
export function testBlobStore(pipelinesContainer = 'pipelines'): BlobStore {
  return new BlobStore(
    azuriteBlobService(),
    // The test Azurite speaks plain HTTP; the app's signers are HTTPS-only (see sas-scope.test.ts).
    new SharedKeySasSigner(new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY), {
      httpsOnly: false,
    }),
    { policy: defaultCallPolicy(10_000), pipelinesContainer },
  );
}
