import { imageKey } from '../../../src/runs/image-key';
import { aPipeline, type E2E, startE2E, uploadImages } from '../support/harness';

// Bad input about secrets, containers and image names (docs/security.md): every case is a 4xx with a JSON
// body naming the field, nothing is started, and nothing in the answer repeats a secret.
let e2e: E2E;
beforeAll(async () => {
  e2e = await startE2E();
  await uploadImages(e2e, ['bad/a.tif', 'bad/x/a.tif', 'bad/b.tif']);
}, 60_000);
afterAll(() => e2e?.stop());

type ErrorBody = { error: { code: string; message: string; details: { path: string; message: string }[] } };
const withSecret = (ref: string) =>
  aPipeline({
    name: 'bad',
    inputs: { container: 'images', prefix: 'bad/' },
    steps: [{ id: 'tile', image: 'busybox:1.36', command: 'tile', secrets: { TOKEN: ref } }],
  });
const start = (body: Record<string, unknown>) => e2e.api<ErrorBody>('startRun', { body });

test.each([
  ['setting:FLOTILLA_CALLBACK_SECRET', /setting "FLOTILLA_CALLBACK_SECRET" is not available to steps/],
  ['setting:AzureWebJobsStorage', /setting "AzureWebJobsStorage" is not available to steps/],
  ['setting:IDENTITY_HEADER', /setting "IDENTITY_HEADER" is not available to steps/],
  ['setting:PATH', /STEP_SECRET_\*/],
  ['keyvault:https://other.vault.azure.net/secrets/x', /Key Vault "other.vault.azure.net" is not allowed/],
])('secret reference %s is refused, inline and when stored', async (ref, message) => {
  const inline = await start({ pipeline: withSecret(ref), images: ['bad/a.tif'] });
  expect(inline.status).toBe(400);
  expect(inline.body.error.details).toEqual([
    { path: 'pipeline.steps[0].secrets.TOKEN', message: expect.stringMatching(message) },
  ]);
  const stored = await e2e.api<ErrorBody>('putPipeline', {
    params: { name: 'bad' },
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(withSecret(ref)),
  });
  expect(stored.status).toBe(400);
  expect(stored.body.error.details[0]?.path).toBe('steps[0].secrets.TOKEN');
});

test('a STEP_SECRET_ setting is allowed', async () => {
  const ok = await start({ pipeline: withSecret('setting:STEP_SECRET_TOKEN'), images: ['bad/a.tif'] });
  expect(ok.status).toBe(202);
});

test.each([
  [{ inputs: { container: 'flotilla-state', prefix: 'runs/' } }, 'pipeline.inputs.container'],
  [{ inputs: { container: 'results', prefix: 'bad/' } }, 'pipeline.inputs.container'],
  [{ outputs: { container: 'pipelines' } }, 'pipeline.outputs.container'],
  [{ outputs: { container: 'flotilla-state' } }, 'pipeline.outputs.container'],
  [{ outputs: { container: 'results', prefix: 'x/../../' } }, 'pipeline.outputs.prefix'],
  [{ outputs: { container: 'results', prefix: 'r-0123/' } }, 'pipeline.outputs.prefix'],
])("a run cannot read or write flotilla's own data: %j", async (overrides, path) => {
  const response = await start({
    pipeline: aPipeline({ name: 'bad', inputs: { container: 'images', prefix: 'bad/' }, ...overrides }),
    images: ['bad/a.tif'],
  });
  expect(response.status).toBe(400);
  expect(response.body.error.details.map((d) => d.path)).toContain(path);
});

test.each([
  ['bad/../other/a.tif', /"\." or "\.\." segments/],
  ['bad/%2e%2e/other/a.tif', /percent-encoded/],
  ['https://elsewhere.example/a.tif', /is a URL/],
  ['bad/a\u0000.tif', /control characters/],
  ['bad/a\n.tif', /control characters/],
  ['bad/\u202egnp.tif', /bidirectional/],
  ['bad/\u2066a.tif', /bidirectional/],
  ['bad//a.tif', /empty segment/],
  ['other/a.tif', /not under the pipeline's inputs prefix "bad\/"/],
])('image %j is refused with a 400 naming it', async (image, message) => {
  const response = await start({
    pipeline: aPipeline({ name: 'bad', inputs: { container: 'images', prefix: 'bad/' } }),
    images: [image],
  });
  expect(response.status).toBe(400);
  // Control characters are refused by the request schema already (invalid_request), the rest by the image
  // checks (invalid_image): either way one detail names the image and what is wrong with it.
  expect(['invalid_image', 'invalid_request']).toContain(response.body.error.code);
  expect(response.body.error.details).toEqual([
    { path: 'images[0]', message: expect.stringMatching(message) },
  ]);
  expect(response.body.error.details[0]?.message).toContain(JSON.stringify(image));
});

test('two images that would share an image key are refused, both named', async () => {
  // A safe name is its own key; another name is sanitised and suffixed with a hash: spell one as the other's key.
  const clash = `bad/${imageKey('a.tif')}`;
  const response = await start({
    pipeline: aPipeline({ name: 'bad', inputs: { container: 'images', prefix: 'bad/' } }),
    images: ['bad/a.tif', clash],
  });
  expect(response.status).toBe(400);
  expect(response.body.error.code).toBe('image_key_clash');
  expect(response.body.error.message).toContain('"bad/a.tif"');
  expect(response.body.error.message).toContain(JSON.stringify(clash));
  expect(response.body.error.details).toEqual([{ path: 'images[1]', message: expect.any(String) }]);
});

test('a listing prefix outside the inputs prefix is refused', async () => {
  const response = await start({
    pipeline: aPipeline({ name: 'bad', inputs: { container: 'images', prefix: 'bad/' } }),
    prefix: 'elsewhere/',
  });
  expect(response.status).toBe(400);
  expect(response.body.error.details[0]).toMatchObject({ path: 'prefix' });
});
