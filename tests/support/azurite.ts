import { BlobServiceClient } from '@azure/storage-blob';

/** The Azurite started by the global setup, as a shared-key client. */
export function azuriteBlobService(): BlobServiceClient {
  const connectionString = process.env.FLOTILLA_TEST_AZURITE_CONNECTION_STRING;
  if (!connectionString)
    throw new Error('Azurite is not running: tests must run through jest (see jest.config.js).');
  return BlobServiceClient.fromConnectionString(connectionString);
}

let counter = 0;
/** A container name unique to this worker and call, so tests never share state. */
export function uniqueContainerName(prefix = 'test'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`.toLowerCase().slice(0, 63);
}
