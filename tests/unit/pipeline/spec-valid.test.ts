import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILT_IN_DEFAULTS, BATCH_LIMITS, parsePipeline, toShellLine } from '../../../src/pipeline';
import { HEAD, oneStep, specOf, yaml } from './helpers';

const root = join(__dirname, '../../..');

describe('parsePipeline on valid specs', () => {
  it('normalises the damage-assessment sample: defaults, ms, levels, finalize like a step', () => {
    const file = 'samples/damage-assessment/pipeline.yaml';
    const spec = specOf(readFileSync(join(root, file), 'utf8'), file);
    expect(spec.name).toBe('damage-assessment');
    expect(spec.inputs).toEqual({ container: 'images', prefix: 'damage-assessment/' });
    expect(spec.outputs).toEqual({ container: 'results', prefix: '' });
    expect(spec.levels).toEqual([['tile'], ['predict'], ['vectorize']]);
    const [tile, predict] = spec.steps;
    expect(tile).toMatchObject({ backend: 'aci', cpu: 0.5, memoryGB: 1, timeoutMs: 5 * 60_000, retries: 1 });
    expect(tile?.env).toEqual({ TILE_GRID: '2' });
    expect(predict).toMatchObject({ backend: 'batch', gpu: { count: 1, sku: 'V100' }, timeoutMs: 600_000 });
    expect(predict?.pool).toMatchObject({ kind: 'spec', vmSize: 'Standard_NC6s_v3', maxNodes: 2 });
    expect(spec.finalize).toMatchObject({
      id: 'merge',
      dependsOn: [],
      backend: 'aci',
      cpu: 0.5,
      timeoutMs: 300_000,
    });
    expect(spec.teardown.keepOnFailureMs).toBe(0);
  });

  it('applies the built-in defaults when the spec gives none', () => {
    const spec = specOf(oneStep());
    const [step] = spec.steps;
    expect(step).toMatchObject({
      backend: BUILT_IN_DEFAULTS.backend,
      cpu: BUILT_IN_DEFAULTS.cpu,
      memoryGB: BUILT_IN_DEFAULTS.memoryGB,
      timeoutMs: 30 * 60_000,
      retries: BUILT_IN_DEFAULTS.retries,
      env: {},
      secrets: {},
      dependsOn: [],
    });
    expect(step?.pool).toBeUndefined();
    expect(spec.concurrency).toBe(BUILT_IN_DEFAULTS.concurrency);
    expect(spec.toleratedFailurePercent).toBe(0);
    expect(spec.finalize).toBeUndefined();
  });

  it('keeps exec commands as argv and runs shell strings under /bin/sh -c', () => {
    const text =
      HEAD +
      yaml`
      steps:
        - id: a
          image: busybox
          command: ["echo", "it's here", "$HOME"]
        - id: b
          image: busybox
          command: echo hi > /flotilla/out/x
    `;
    const [a, b] = specOf(text).steps;
    expect(a?.command).toEqual(['echo', "it's here", '$HOME']);
    expect(toShellLine(a?.command ?? [])).toBe(`echo 'it'\\''s here' '$HOME'`);
    expect(b?.command).toEqual(['/bin/sh', '-c', 'echo hi > /flotilla/out/x']);
    expect(toShellLine(b?.command ?? [])).toBe('echo hi > /flotilla/out/x');
  });

  it('parses secret references and applies defaults.pool to batch steps only', () => {
    const text =
      HEAD +
      yaml`
      defaults: { pool: shared-pool, timeout: 1h30m }
      steps:
        - id: a
          image: busybox
          command: x
          secrets: { TOKEN: "setting:MY_TOKEN" }
        - id: b
          dependsOn: [a]
          backend: batch
          image: busybox
          command: x
          secrets:
            KEY: keyvault:https://my-vault.vault.azure.net/secrets/api-key/0123456789abcdef0123456789abcdef
    `;
    const [a, b] = specOf(text).steps;
    expect(a?.secrets).toEqual({ TOKEN: { kind: 'setting', name: 'MY_TOKEN' } });
    expect(a?.pool).toBeUndefined();
    expect(a?.timeoutMs).toBe(90 * 60_000);
    expect(b?.pool).toEqual({ kind: 'named', id: 'shared-pool' });
    expect(b?.secrets.KEY).toEqual({
      kind: 'keyvault',
      vaultUrl: 'https://my-vault.vault.azure.net',
      name: 'api-key',
      version: '0123456789abcdef0123456789abcdef',
    });
  });

  it('fills a pool spec with the default container-enabled image and node agent', () => {
    const spec = specOf(oneStep('backend: batch', 'pool: { vmSize: Standard_D4s_v3, maxNodes: 3 }'));
    expect(spec.steps[0]?.pool).toEqual({
      kind: 'spec',
      vmSize: 'Standard_D4s_v3',
      maxNodes: 3,
      image: { publisher: 'microsoft-dsvm', offer: 'ubuntu-hpc', sku: '2204', version: 'latest' },
      nodeAgentSkuId: BATCH_LIMITS.defaultNodeAgentSkuId,
    });
  });

  it('orders a diamond in levels, declaration order within a level', () => {
    const spec = specOf(readFileSync(join(root, 'samples/diamond/pipeline.yaml'), 'utf8'));
    expect(spec.levels).toEqual([['tile'], ['ndvi', 'clouds'], ['join']]);
    expect(spec.steps.find((s) => s.id === 'clouds')).toMatchObject({
      backend: 'batch',
      cpu: 8,
      memoryGB: 32,
    });
  });

  it('reads JSON specs (the hello sample) the same way', () => {
    const file = 'samples/hello/pipeline.json';
    const spec = specOf(readFileSync(join(root, file), 'utf8'), file);
    expect(spec.steps.map((s) => s.id)).toEqual(['greet']);
    expect(spec.steps[0]?.command[0]).toBe('/bin/sh');
    expect(spec.steps[0]?.retries).toBe(0);
  });

  it('accepts the edges of every range', () => {
    const text =
      HEAD.replace('name: demo', 'name: d') +
      yaml`
      concurrency: 1000
      toleratedFailurePercent: 100
      steps:
        - id: a2345678901234567890
          image: busybox
          command: x
          cpu: 4
          memoryGB: 16
          retries: 10
          timeout: 24h
      teardown: { keepOnFailure: 24h }
    `;
    const result = parsePipeline(text);
    expect(result.ok).toBe(true);
  });
});
