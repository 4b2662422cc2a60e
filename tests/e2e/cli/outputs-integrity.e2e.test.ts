import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, withStateStorage } from '../support/cli';

// A step's outputs are exactly what its succeeded attempt wrote (docs/pipeline-spec.md, docs/security.md):
// the first attempt writes a partial file and fails, the retry succeeds; the next step's /flotilla/in holds the
// retry's files only, and no logs or start journals of any attempt.
describe('outputs of a retried step, really run as local processes', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'flotilla-outputs-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("gives the next step only the succeeded attempt's outputs", async () => {
    const pipeline = join(dir, 'pipeline.yaml');
    writeFileSync(
      pipeline,
      [
        'name: retried',
        'inputs: { container: images, prefix: retried/ }',
        'outputs: { container: results }',
        'defaults: { backend: aci, cpu: 0.5, memoryGB: 1, timeout: 5m }',
        'steps:',
        '  - id: make',
        '    retries: 1',
        '    command: >-',
        '      echo "attempt $FLOTILLA_ATTEMPT" > /flotilla/out/partial-$FLOTILLA_ATTEMPT.txt;',
        '      if [ "$FLOTILLA_ATTEMPT" = 1 ]; then exit 1; fi;',
        '      echo good > /flotilla/out/good.txt',
        '    image: busybox:1.36',
        '  - id: check',
        '    dependsOn: [make]',
        '    image: busybox:1.36',
        '    command: cd /flotilla/in && find . -type f | sort > /flotilla/out/listing.txt',
        'teardown: { keepOnFailure: 0m }',
      ].join('\n'),
    );
    const image = join(dir, 'scene.txt');
    writeFileSync(image, 'pixels');
    const run = runCli(['run', pipeline, '--images', image, '--state', join(dir, 'state'), '--json']);
    const code = await run.exited;
    const result = run.events.find((e) => e.event === 'result') as { runId: string; status: string };
    expect({ code, stderr: code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.status).toBe('succeeded');

    const seen = await withStateStorage(join(dir, 'state'), async (blobs) => {
      const results = blobs.getContainerClient('results');
      const names: string[] = [];
      for await (const blob of results.listBlobsFlat({ prefix: `${result.runId}/` })) names.push(blob.name);
      const listing = names.find((n) => n.endsWith('/check/attempt-1/out/listing.txt'));
      const manifest = JSON.parse(
        (await results.getBlobClient(`${result.runId}/manifest.json`).downloadToBuffer()).toString(),
      ) as { images: { steps: { step: string; attempts: number; outputsPrefix: string }[] }[] };
      return {
        names,
        listing: listing ? (await results.getBlobClient(listing).downloadToBuffer()).toString() : undefined,
        make: manifest.images[0]?.steps.find((s) => s.step === 'make'),
      };
    });
    expect(seen.listing?.trim().split('\n')).toEqual(['./make/good.txt', './make/partial-2.txt']);
    expect(seen.make).toMatchObject({
      attempts: 2,
      outputsPrefix: expect.stringMatching(/\/make\/attempt-2\/out\/$/),
    });
    // The failed attempt's partial file stays in its own folder; logs live beside outputs, never inside them.
    expect(seen.names.some((n) => /\/make\/attempt-1\/out\/partial-1\.txt$/.test(n))).toBe(true);
    expect(seen.names.filter((n) => /\/out\//.test(n) && /\.log$|journal/.test(n))).toEqual([]);
    expect(seen.names.some((n) => /\/make\/attempt-1\/logs\//.test(n))).toBe(true);
  }, 300_000);
});
