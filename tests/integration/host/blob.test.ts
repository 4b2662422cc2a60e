import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ContainerClient } from '@azure/storage-blob';
import { startHost, type Host } from '../../../packages/emulators/functions';
import { azuriteBlobService, uniqueContainerName } from '../../support/azurite';

const appDir = path.join(__dirname, '../../fixtures/apps/triggers');
interface Seen {
  fn: string;
  content?: string;
  metadata?: Record<string, unknown>;
}
const seen = (fn: string): Seen[] =>
  ((globalThis as { __fixtureTriggers?: Seen[] }).__fixtureTriggers ?? []).filter((s) => s.fn === fn);

describe('embedded host: blob triggers against Azurite', () => {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'flotilla-host-blob-'));
  const uploadsName = uniqueContainerName('uploads');
  const egName = uniqueContainerName('eg');
  const uploads: ContainerClient = azuriteBlobService().getContainerClient(uploadsName);
  const egUploads: ContainerClient = azuriteBlobService().getContainerClient(egName);
  const env = {
    FixtureStorage: process.env.FLOTILLA_TEST_AZURITE_CONNECTION_STRING!,
    FIXTURE_UPLOADS: uploadsName,
    FIXTURE_EG_UPLOADS: egName,
  };
  const start = () => startHost({ appDir, stateDir, env, blobPollIntervalMs: false });
  let host: Host;

  beforeAll(async () => {
    await uploads.create();
    await egUploads.create();
    host = await start();
  });
  afterAll(async () => {
    await host.stop();
    await uploads.delete();
    await egUploads.delete();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('invokes once per new blob, with its content and path tokens', async () => {
    await uploads.uploadBlockBlob('a.txt', 'alpha', 5);
    await uploads.uploadBlockBlob('dir/b.txt', 'bravo', 5);
    await host.pollBlobs();
    await host.pollBlobs();
    const calls = seen('onUpload');
    expect(calls.map((c) => [c.content, c.metadata?.name]).sort()).toEqual([
      ['alpha', 'a.txt'],
      ['bravo', 'dir/b.txt'],
    ]);
    const alpha = calls.find((c) => c.content === 'alpha')!;
    expect(alpha.metadata).toMatchObject({
      blobTrigger: `${uploadsName}/a.txt`,
      uri: expect.stringContaining('/a.txt'),
    });
    expect(alpha.metadata?.properties).toMatchObject({ length: 5 });
  });

  it('fires again for a changed blob, not for unchanged ones', async () => {
    await uploads.uploadBlockBlob('a.txt', 'alpha-2', 7);
    await host.pollBlobs();
    expect(seen('onUpload').map((c) => c.content)).toEqual(expect.arrayContaining(['alpha-2']));
    expect(seen('onUpload')).toHaveLength(3);
  });

  it('does not fire again after a restart on the same state folder', async () => {
    await host.stop();
    host = await start();
    await host.pollBlobs();
    expect(host.invocations('onUpload')).toHaveLength(0);
    await uploads.uploadBlockBlob('c.txt', 'charlie', 7);
    await host.pollBlobs();
    expect(host.invocations('onUpload')).toEqual([{ name: 'onUpload', ok: true }]);
  });

  it('retries a failing blob on later polls, five attempts in all', async () => {
    await uploads.uploadBlockBlob('bad.txt', 'fail-me', 7);
    for (let i = 0; i < 7; i++) await host.pollBlobs();
    const failures = host.invocations('onUpload').filter((r) => !r.ok);
    expect(failures).toHaveLength(5);
    expect(failures[0]).toEqual({ name: 'onUpload', ok: false, error: 'bad.txt asked to fail' });
  });

  it('invokes directly with given content (invokeBlob) and checks the path', async () => {
    const before = seen('onUpload').length;
    expect((await host.invokeBlob('onUpload', `${uploadsName}/direct.bin`, 'direct')).ok).toBe(true);
    expect(seen('onUpload').slice(before)).toEqual([
      expect.objectContaining({
        content: 'direct',
        metadata: expect.objectContaining({ name: 'direct.bin' }),
      }),
    ]);
    expect(() => host.invokeBlob('onUpload', 'other-container/x', 'x')).toThrow(
      /does not match the trigger path/,
    );
  });

  describe('EventGrid-source blob trigger', () => {
    const webhook = '/runtime/webhooks/blobs?functionName=Host.Functions.onEventGridUpload';
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      host.fetch(webhook, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });

    it('answers the subscription validation handshake', async () => {
      const res = await post([
        {
          id: '1',
          eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
          subject: '',
          eventTime: new Date().toISOString(),
          data: { validationCode: 'code-123' },
        },
      ]);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ validationResponse: 'code-123' });
      expect(seen('onEventGridUpload')).toHaveLength(0);
    });

    it('invokes for a BlobCreated event, downloading the blob', async () => {
      const blob = egUploads.getBlockBlobClient('in/report.txt');
      await blob.upload('from-event', 10);
      const res = await post([
        {
          id: 'e1',
          eventType: 'Microsoft.Storage.BlobCreated',
          subject: `/blobServices/default/containers/${egName}/blobs/in/report.txt`,
          eventTime: new Date().toISOString(),
          data: { api: 'PutBlob', url: blob.url },
        },
      ]);
      expect(res.status).toBe(202);
      expect(seen('onEventGridUpload')).toEqual([
        expect.objectContaining({
          content: 'from-event',
          metadata: expect.objectContaining({ stem: 'report' }),
        }),
      ]);
    });

    it('delivers what polling finds the same way, once', async () => {
      await egUploads.uploadBlockBlob('in/polled.txt', 'polled', 6);
      await egUploads.uploadBlockBlob('elsewhere/ignored.txt', 'ignored', 7);
      await host.pollBlobs();
      await host.pollBlobs();
      const contents = seen('onEventGridUpload').map((c) => c.content);
      expect(contents.filter((c) => c === 'polled')).toHaveLength(1);
      // Already delivered by its event: polling does not deliver it again.
      expect(contents.filter((c) => c === 'from-event')).toHaveLength(1);
      expect(contents).not.toContain('ignored');
    });

    it('rejects a bad delivery with a clear 400', async () => {
      const res = await post([{ id: 'x', eventType: 'Microsoft.Storage.BlobCreated' }]);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(
        /events\[0\]\.subject must be a string/,
      );
    });
  });
});
