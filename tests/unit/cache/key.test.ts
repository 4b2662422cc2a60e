import { blobIdentity, cacheKey, contentIdentity, type KeyInput, keyMaterial } from '../../../src/cache/key';
import { planFromSpec } from '../../../src/runs/from-spec';
import type { StepPlan } from '../../../src/runs/plan';
import { errorAt, errorsOf, HEAD, oneStep, specOf } from '../pipeline/helpers';

const step = (overrides: Partial<StepPlan> = {}): StepPlan => ({
  id: 'tile',
  backend: 'aci',
  containerImage: 'reg.azurecr.io/neo:1.4',
  command: 'neo tile',
  cpu: 1,
  memoryGb: 2,
  timeoutMs: 60_000,
  retries: 1,
  env: { A: '1', B: '2' },
  secretEnv: { TOKEN: 'setting:NEO_TOKEN' },
  dependsOn: [],
  ...overrides,
});
const input = (overrides: Partial<KeyInput> = {}): KeyInput => ({
  step: step(),
  imageKey: 'a-tif-1a2b3c4d',
  outputsContainer: 'results',
  inputs: [{ path: 'a.tif', identity: 'md5:AAAA' }],
  upstream: {},
  ...overrides,
});

describe('the step cache key', () => {
  it('is a SHA-256 that holds secret names and references, never a secret value', () => {
    const key = cacheKey(input());
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    // The key is derived from the plan, which carries references only (the value an app setting resolves
    // to is nowhere in its input): a rotated secret keeps the key, a changed reference changes it.
    const planned = planFromSpec(
      specOf(oneStep('secrets: { TOKEN: "setting:NEO_TOKEN" }', 'env: { MODE: fast }')),
      'r-1',
      'now',
    ).steps[0]!;
    const material = JSON.parse(keyMaterial(input({ step: planned }))) as Record<string, unknown>;
    expect(material.secrets).toEqual([['TOKEN', 'setting:NEO_TOKEN']]);
    expect(material.env).toEqual([['MODE', 'fast']]);
    const other = input({ step: step({ secretEnv: { TOKEN: 'setting:OTHER_TOKEN' } }) });
    expect(cacheKey(other)).not.toBe(key);
  });

  it('does not depend on the order of env or secrets', () => {
    const reordered = input({
      step: step({ env: { B: '2', A: '1' }, secretEnv: { TOKEN: 'setting:NEO_TOKEN' } }),
    });
    expect(cacheKey(reordered)).toBe(cacheKey(input()));
    expect(cacheKey(input({ step: step({ env: { A: '1', B: '3' } }) }))).not.toBe(cacheKey(input()));
  });

  it('changes with the image, command, resources, inputs, the image key and the outputs container', () => {
    const base = cacheKey(input());
    const changes: Partial<KeyInput>[] = [
      { step: step({ containerImage: 'reg.azurecr.io/neo:1.5' }) },
      { step: step({ command: 'neo tile --fast' }) },
      { step: step({ cpu: 2 }) },
      { step: step({ memoryGb: 4 }) },
      { step: step({ gpu: { count: 1, sku: 'V100' } }) },
      { inputs: [{ path: 'a.tif', identity: 'md5:BBBB' }] },
      { imageKey: 'b-tif-1a2b3c4d' },
      { outputsContainer: 'other-results' },
    ];
    const keys = changes.map((c) => cacheKey(input(c)));
    expect(keys.every((k) => k !== base)).toBe(true);
    expect(new Set(keys).size).toBe(keys.length);
    // Timeout and retries decide how a step is run, not what it outputs.
    expect(cacheKey(input({ step: step({ timeoutMs: 1, retries: 5 }) }))).toBe(base);
  });

  it('propagates an upstream change: a dependent is keyed by its dependencies', () => {
    const predict = step({ id: 'predict', dependsOn: ['tile'] });
    const tileKey = cacheKey(input());
    const changedTile = cacheKey(input({ step: step({ env: { A: '1', B: '2', C: '3' } }) }));
    const dependent = (upstream: string) =>
      cacheKey({
        step: predict,
        imageKey: 'a-tif-1a2b3c4d',
        outputsContainer: 'results',
        inputs: [],
        upstream: { tile: upstream },
      });
    expect(dependent(tileKey)).toBe(dependent(tileKey));
    expect(dependent(changedTile)).not.toBe(dependent(tileKey));
  });

  it('identifies blobs by Content-MD5 (stable across uploads), else by ETag and size', () => {
    expect(blobIdentity({ md5: 'q1w2', etag: '"0x1"', size: 3 })).toBe('md5:q1w2');
    expect(blobIdentity({ etag: '"0x1"', size: 3 })).toBe('etag:"0x1":3');
    const a = [
      { name: 'p/x', size: 1, md5: 'm1' },
      { name: 'p/y', size: 1, md5: 'm2' },
    ];
    expect(contentIdentity(a, 'p/')).toBe(contentIdentity([...a].reverse(), 'p/'));
    expect(contentIdentity(a, 'p/')).not.toBe(contentIdentity([a[0]!], 'p/'));
  });
});

describe('the cache setting', () => {
  const spec = (top: string, stepLine?: string) =>
    specOf(
      HEAD +
        top +
        'steps:\n  - id: tile\n    image: reg.azurecr.io/neo:1.4\n    command: tile\n' +
        (stepLine ? `    ${stepLine}\n` : '') +
        '  - id: predict\n    image: reg.azurecr.io/neo:1.4\n    command: predict\n    dependsOn: [tile]\n',
    );
  const cacheOf = (plan: ReturnType<typeof planFromSpec>) => plan.steps.map((s) => s.cache ?? false);

  it('is off by default; the spec turns it on; a start request overrides the spec; a step wins', () => {
    expect(cacheOf(planFromSpec(spec(''), 'r-1', 'now'))).toEqual([false, false]);
    expect(cacheOf(planFromSpec(spec('cache: true\n'), 'r-1', 'now'))).toEqual([true, true]);
    expect(cacheOf(planFromSpec(spec('cache: true\n'), 'r-1', 'now', 50, { cache: false }))).toEqual([
      false,
      false,
    ]);
    expect(cacheOf(planFromSpec(spec('', 'cache: true'), 'r-1', 'now'))).toEqual([true, false]);
    expect(cacheOf(planFromSpec(spec('', 'cache: false'), 'r-1', 'now', 50, { cache: true }))).toEqual([
      false,
      true,
    ]);
  });

  it('takes true or false only, naming the field', () => {
    expect(errorAt(errorsOf(oneStep('cache: yes please')), 'steps[0].cache').message).toContain(
      'true or false',
    );
    expect(errorAt(errorsOf(HEAD + 'cache: 1\n' + oneStep().slice(HEAD.length)), 'cache').message).toContain(
      'true or false',
    );
  });
});
