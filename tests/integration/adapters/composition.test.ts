import { mkdtempSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Stack, startStack } from '../../../packages/emulators/stack';
import { trustCertificate } from '../../../packages/emulators/stack/tls';
import { type Composition, createComposition } from '../../../src/composition';
import { loadConfig } from '../../../src/config';
import { aLaunch } from '../../unit/compute/launch-builder';

/**
 * The composition root as the app builds it, against the embedded stack, which looks like Azure: HTTPS ARM,
 * Azurite with OAuth, a managed-identity endpoint (IDENTITY_ENDPOINT/IDENTITY_HEADER) and a Batch emulator
 * that accepts only Batch-audience tokens. No credential is injected: DefaultAzureCredential finds the
 * managed identity, as it does in Azure.
 */
describe('composition root against the embedded stack', () => {
  let stack: Stack;
  let root: Composition;
  let untrust: () => void;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    stack = await startStack({ stateDir: mkdtempSync(join(tmpdir(), 'flotilla-stack-')), mode: 'simulate' });
    untrust = trustCertificate(stack.certificate.cert);
    // What App Service sets for a managed identity; DefaultAzureCredential reads it from the environment.
    for (const name of ['IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'NO_PROXY'] as const) {
      saved[name] = process.env[name];
      process.env[name] = stack.settings[name];
    }
    root = createComposition(
      loadConfig({
        ...stack.settings,
        FLOTILLA_CALLBACK_BASE_URL: 'http://127.0.0.1:7071',
        FLOTILLA_CALLBACK_SECRET: 'a-test-secret-of-at-least-32-characters!',
      }),
    );
  }, 60_000);

  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    untrust();
    await stack.stop();
  });

  const launch = aLaunch({
    runId: 'composed-1',
    containerImage: 'busybox:1.36',
    inputs: [{ container: 'composed', blob: 'in/scene.txt' }],
    outputs: { container: 'composed', prefix: 'out' },
    logs: { container: 'composed', prefix: 'logs' },
  });

  it('reaches blob storage with the managed identity and signs user delegation SAS', async () => {
    await root.blob.putText('composed', 'in/scene.txt', 'scene');
    const url = await root.blob.readUrl('composed', 'in/scene.txt', new Date(Date.now() + 3600_000));
    expect(new URL(url).searchParams.get('skoid')).toBeTruthy();
    const text = await new Promise<string>((resolve, reject) => {
      request(url, { ca: stack.certificate.cert }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      })
        .on('error', reject)
        .end();
    });
    expect(text).toBe('scene');
  });

  it('starts an ACI step through ARM over HTTPS with an ARM-audience token', async () => {
    const [result] = await root.aci.start([launch]);
    expect(result?.created).toBe(true);
    expect(stack.aci.resources().map((r) => r.tags.run)).toEqual(['composed-1']);
    expect(root.backend('aci')).toBe(root.aci);
  });

  it('starts a Batch step with a Batch-audience token on the default pool', async () => {
    const [result] = await root.batch.start([{ ...launch, step: 'predict' }]);
    expect(result?.created).toBe(true);
    expect(stack.batch.recorder.all().filter((r) => r.status === 403)).toEqual([]);
    expect(stack.batch.resources().activeJobs).toHaveLength(1);
    expect(root.backend('batch')).toBe(root.batch);
  });
});
