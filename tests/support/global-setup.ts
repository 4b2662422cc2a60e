import { startAzurite } from '../../packages/emulators/stack/azurite';

/**
 * One Azurite for the whole test run, on a free port with a temp data folder and telemetry off.
 * Tests read its URL and connection string from the environment (workers inherit it).
 */
export default async function globalSetup(): Promise<void> {
  const azurite = await startAzurite();
  process.env.FLOTILLA_TEST_AZURITE_BLOB_URL = azurite.blobUrl;
  process.env.FLOTILLA_TEST_AZURITE_CONNECTION_STRING = azurite.connectionString;
  (globalThis as { __flotillaAzurite?: typeof azurite }).__flotillaAzurite = azurite;
}
