import type { SasSigner } from '../../src/storage/sas';

/** A signer for tests whose BlobStore never hands out a SAS: any call fails loudly. */
export const noSas: SasSigner = {
  blobReadSas: () => Promise.reject(new Error('not used')),
  containerWriteSas: () => Promise.reject(new Error('not used')),
  blobCreateSas: () => Promise.reject(new Error('not used')),
  stagingWriteSas: () => Promise.reject(new Error('not used')),
};
