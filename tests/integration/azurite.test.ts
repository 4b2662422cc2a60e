import { azuriteBlobService, uniqueContainerName } from '../support/azurite';

describe('the test Azurite', () => {
  it('stores and returns a blob', async () => {
    const service = azuriteBlobService();
    const container = service.getContainerClient(uniqueContainerName('azurite'));
    await container.create();
    const blob = container.getBlockBlobClient('hello.txt');
    await blob.upload('hello', 5);
    expect((await blob.downloadToBuffer()).toString()).toBe('hello');
    await container.delete();
  });

  it('listens on loopback only', () => {
    expect(new URL(process.env.FLOTILLA_TEST_AZURITE_BLOB_URL!).hostname).toBe('127.0.0.1');
  });
});
