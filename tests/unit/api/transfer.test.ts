import { ApiError } from '../../../src/api/http';
import { runOutputs } from '../../../src/api/run-outputs';
import { uploadBody } from '../../../src/api/schemas';
import { isUploadedBlob, newUploadId, uploadUrls } from '../../../src/api/uploads';
import { InMemoryBlobStore } from '../../support/fakes/in-memory-blob-store';

const policy = { reservedContainers: ['flotilla-state', 'pipelines'], resultsContainer: 'results' };
const now = Date.UTC(2026, 11, 2, 7, 0, 0);

describe("POST /api/uploads: one create-only URL per new blob, never in flotilla's own containers", () => {
  const store = new InMemoryBlobStore();
  const body = (value: unknown) => uploadBody.parse(value);

  it('puts each file in a new upload folder under the prefix, with a one-hour create-only URL', async () => {
    const id = newUploadId(now, '0a1b2c3d');
    expect(id).toBe('u-20261202070000-0a1b2c3d');
    const granted = await uploadUrls(
      store,
      policy,
      body({ container: 'images', prefix: 'damage/', files: ['a.tif'] }),
      {
        now,
        uploadId: id,
      },
    );
    expect(granted).toEqual({
      uploadId: id,
      container: 'images',
      prefix: `damage/${id}/`,
      expiresOn: '2026-12-02T08:00:00.000Z',
      uploads: [{ file: 'a.tif', blob: `damage/${id}/a.tif`, url: expect.stringContaining('sp=c') }],
    });
    // The blob trigger leaves such blobs alone; a blob a user drops in starts its run.
    expect(isUploadedBlob(`damage/${id}/a.tif`)).toBe(true);
    expect(isUploadedBlob('damage/a.tif')).toBe(false);
    expect(isUploadedBlob(`damage/${id}`)).toBe(false);
  });

  it.each([
    [{ container: 'results', files: ['a'] }, 'container'],
    [{ container: 'flotilla-state', files: ['a'] }, 'container'],
    [{ container: 'images', prefix: '../x/', files: ['a'] }, 'prefix'],
    [{ container: 'images', files: ['a\u202eb'] }, 'files[0]'],
  ])('refuses %j naming %s', async (value, path) => {
    const error = await uploadUrls(store, policy, body(value), {
      now,
      uploadId: newUploadId(now, '00000000'),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).details[0]?.path).toBe(path);
  });

  it('checks the body shape: file names without slashes, no duplicates, a prefix ending in "/"', () => {
    const issues = (value: unknown) => uploadBody.safeParse(value).error?.issues.map((i) => i.path.join('.'));
    expect(issues({ container: 'images', files: ['a/b'] })).toEqual(['files.0']);
    expect(issues({ container: 'images', files: ['a', 'a'] })).toEqual(['files']);
    expect(issues({ container: 'images', prefix: 'x', files: ['a'] })).toEqual(['prefix']);
    expect(issues({ container: 'Images', files: ['a'] })).toEqual(['container']);
  });
});

describe('GET /api/runs/{id}/outputs: the outputs of an ended run, each with its own read URL', () => {
  const store = new InMemoryBlobStore();
  const step = (id: string, status: string, prefix: string) => ({ step: id, status, outputsPrefix: prefix });
  beforeAll(async () => {
    await store.putText('results', 'r-1/images.json', '{}');
    await store.putText('results', 'r-2/images.json', '{}');
    await store.putText(
      'results',
      'r-1/manifest.json',
      JSON.stringify({
        runId: 'r-1',
        status: 'partially_succeeded',
        spec: { outputs: { container: 'out', prefix: '' } },
        images: [
          {
            image: 'in/a.tif',
            imageKey: 'a-tif',
            steps: [step('tile', 'succeeded', 'r-1/a-tif/tile/attempt-2/out/')],
          },
          {
            image: 'in/b.tif',
            imageKey: 'b-tif',
            steps: [step('tile', 'failed', 'r-1/b-tif/tile/attempt-1/out/')],
          },
        ],
        finalize: step('merge', 'succeeded', 'r-1/finalize/merge/attempt-1/out/'),
      }),
    );
    for (const name of [
      'r-1/a-tif/tile/attempt-1/out/partial.png',
      'r-1/a-tif/tile/attempt-2/out/tiles/0.png',
      'r-1/b-tif/tile/attempt-1/out/broken.png',
      'r-1/finalize/merge/attempt-1/out/all.json',
    ])
      await store.putText('out', name, 'x');
  });

  it("lists only the succeeded attempts' blobs, the finalize step's included, with read URLs", async () => {
    const listed = await runOutputs(store, 'r-1', {}, now);
    expect(listed.outputs.map((o) => [o.imageKey, o.step, o.path])).toEqual([
      ['a-tif', 'tile', 'tiles/0.png'],
      ['finalize', 'merge', 'all.json'],
    ]);
    expect(listed.outputs.every((o) => o.url.includes('sp=r'))).toBe(true);
    expect(listed.expiresOn).toBe('2026-12-02T07:15:00.000Z');
    expect((await runOutputs(store, 'r-1', { image: 'finalize' }, now)).outputs).toHaveLength(1);
    expect((await runOutputs(store, 'r-1', { image: 'a.tif', step: 'tile' }, now)).outputs).toHaveLength(1);
  });

  it('says why there is nothing: unknown run, run in flight, unknown image or step', async () => {
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: ApiError) => `${e.status} ${e.code}`,
      );
    expect(await code(runOutputs(store, 'r-9', {}, now))).toBe('404 run_not_found');
    expect(await code(runOutputs(store, 'r-2', {}, now))).toBe('409 run_in_progress');
    expect(await code(runOutputs(store, 'r-1', { image: 'zzz' }, now))).toBe('404 image_not_found');
    expect(await code(runOutputs(store, 'r-1', { step: 'zzz' }, now))).toBe('404 step_not_found');
  });
});
