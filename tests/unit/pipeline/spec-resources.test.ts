import { ACI_LIMITS } from '../../../src/pipeline';
import { errorAt, errorsOf, HEAD, lineOf, oneStep, specOf, yaml } from './helpers';

describe('parsePipeline: ACI limits and GPU placement', () => {
  it('rejects more vCPU than an ACI container group allows, pointing to batch', () => {
    const text = oneStep('cpu: 8');
    const error = errorAt(errorsOf(text), 'steps[0].cpu');
    expect(error.message).toBe(
      `8 vCPU is more than an ACI container group allows (at most ${ACI_LIMITS.maxCpu} in most regions); use backend: batch for larger steps`,
    );
    expect(error.line).toBe(lineOf(text, 'cpu: 8'));
  });

  it('reports an oversized default once, naming the ACI steps it applies to', () => {
    const text =
      HEAD +
      yaml`
      defaults: { memoryGB: 32 }
      steps:
        - { id: a, image: x, command: x }
        - { id: b, image: x, command: x, backend: batch }
        - { id: c, image: x, command: x, memoryGB: 4 }
      finalize: { id: merge, image: x, command: x }
    `;
    const errors = errorsOf(text);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      path: 'defaults.memoryGB',
      message:
        '32 GB of memory is more than an ACI container group allows (at most 16 GB in most regions); use backend: batch for larger steps (defaults.memoryGB applies to a, merge)',
      line: lineOf(text, 'defaults:'),
    });
  });

  it('allows large steps on batch', () => {
    expect(specOf(oneStep('backend: batch', 'cpu: 16', 'memoryGB: 64')).steps[0]).toMatchObject({
      cpu: 16,
      memoryGB: 64,
    });
  });

  it('rejects gpu on a step that runs on ACI by default, saying why', () => {
    const text = oneStep('gpu: { count: 1, sku: V100 }');
    const error = errorAt(errorsOf(text), 'steps[0].gpu');
    expect(error.message).toBe(
      `GPU steps cannot run on ACI (aci is the default backend): ACI GPU was retired on ${ACI_LIMITS.gpuRetiredOn}; set backend: batch on this step`,
    );
    expect(error.line).toBe(lineOf(text, 'gpu:'));
  });

  it('rejects gpu on an explicit aci step and on a defaults.backend aci step', () => {
    const explicit = errorsOf(oneStep('backend: aci', 'gpu: { count: 1 }'));
    expect(errorAt(explicit, 'steps[0].gpu').message).toContain('(this step has backend: aci)');
    const byDefaults = errorsOf(
      oneStep('gpu: { count: 1 }').replace('steps:', 'defaults: { backend: aci }\nsteps:'),
    );
    expect(errorAt(byDefaults, 'steps[0].gpu').message).toContain('(defaults.backend is aci)');
  });

  it('rejects pool on an aci step', () => {
    const error = errorAt(errorsOf(oneStep('pool: gpu-pool')), 'steps[0].pool');
    expect(error.message).toBe(
      'pool applies to backend: batch only, but aci is the default backend; remove pool or set backend: batch',
    );
  });
});

describe('parsePipeline: Batch pools and GPU sizes', () => {
  const gpuStep = (pool: string, gpu = '{ count: 1, sku: V100 }') =>
    oneStep('backend: batch', `gpu: ${gpu}`, `pool: ${pool}`);

  it('needs a GPU VM size for a gpu step with a pool spec', () => {
    const text = gpuStep('{ vmSize: Standard_D2s_v3, maxNodes: 2 }');
    const error = errorAt(errorsOf(text), 'steps[0].gpu');
    expect(error.message).toBe(
      "needs a GPU VM size, but the pool's vmSize Standard_D2s_v3 has no GPU; use an N-series size such as Standard_NC6s_v3 (1 x V100)",
    );
  });

  it('checks gpu count and sku against a known GPU size, from defaults.pool too', () => {
    const text = oneStep('backend: batch', 'gpu: { count: 2, sku: A100 }').replace(
      'steps:',
      'defaults: { pool: { vmSize: standard_nc6s_v3, maxNodes: 1 } }\nsteps:',
    );
    const errors = errorsOf(text);
    expect(errorAt(errors, 'steps[0].gpu.count').message).toBe(
      '2 GPUs is more than standard_nc6s_v3 (from defaults.pool) has (1 x V100)',
    );
    expect(errorAt(errors, 'steps[0].gpu.sku').message).toBe(
      "A100 does not match the pool's vmSize standard_nc6s_v3 (from defaults.pool), which has V100 GPUs",
    );
  });

  it('accepts an unlisted N-series size and a named pool without checking GPUs', () => {
    expect(specOf(gpuStep('{ vmSize: Standard_NC16ads_A10_v4, maxNodes: 1 }')).steps[0]?.gpu).toEqual({
      count: 1,
      sku: 'V100',
    });
    expect(specOf(gpuStep('my-gpu-pool')).steps[0]?.pool).toEqual({ kind: 'named', id: 'my-gpu-pool' });
  });

  it('validates pool specs: fields, ranges, image form, image with node agent', () => {
    const text = oneStep('backend: batch', 'pool: { vmSize: D2, maxNodes: 0, image: ubuntu, size: 3 }');
    const errors = errorsOf(text);
    expect(errorAt(errors, 'steps[0].pool.vmSize').message).toBe(
      '"D2" is not valid: use an Azure VM size name such as Standard_D2s_v3 or Standard_NC6s_v3',
    );
    expect(errorAt(errors, 'steps[0].pool.maxNodes').message).toBe('0 is out of range; allowed: 1..100');
    expect(errorAt(errors, 'steps[0].pool.image').message).toMatch(
      /^"ubuntu" is not valid: use publisher:offer:sku/,
    );
    expect(errorAt(errors, 'steps[0].pool.size').message).toMatch(/^unknown key "size"/);
    const custom = errorsOf(
      oneStep('backend: batch', 'pool: { vmSize: Standard_D2s_v3, maxNodes: 1, image: a:b:c }'),
    );
    expect(errorAt(custom, 'steps[0].pool.image').message).toMatch(
      /^a custom image needs nodeAgentSkuId too/,
    );
  });

  it('rejects a pool that is neither an id nor a spec', () => {
    const error = errorAt(errorsOf(oneStep('backend: batch', 'pool: 3')), 'steps[0].pool');
    expect(error.message).toBe(
      'expected a pool id or a pool spec { vmSize, maxNodes, image? }, got the number 3',
    );
  });
});

describe('parsePipeline: env and secrets', () => {
  it('rejects reserved FLOTILLA_ names and invalid names', () => {
    const text = oneStep('env: { FLOTILLA_RUN_ID: x, 1BAD: y }');
    const errors = errorsOf(text);
    expect(errorAt(errors, 'steps[0].env.FLOTILLA_RUN_ID').message).toMatch(
      /^FLOTILLA_RUN_ID is reserved: flotilla sets FLOTILLA_\* variables itself \(FLOTILLA_RUN_ID, FLOTILLA_IMAGE, FLOTILLA_STEP, FLOTILLA_CALLBACK_URL\)$/,
    );
    expect(errorAt(errors, 'steps[0].env["1BAD"]').message).toBe(
      '"1BAD" is not a valid name: use letters, digits and underscores, not starting with a digit',
    );
  });

  it('rejects a literal secret without repeating it', () => {
    const text = oneStep('secrets: { API_TOKEN: sk-live-abcdef123456 }');
    const error = errorAt(errorsOf(text), 'steps[0].secrets.API_TOKEN');
    expect(error.message).toMatch(
      /^is not a secret reference .*setting:<APP_SETTING_NAME> or keyvault:https:\/\//,
    );
    expect(JSON.stringify(error)).not.toContain('sk-live');
    expect(error.line).toBe(lineOf(text, 'secrets:'));
  });

  it('rejects malformed references and non-string secrets without echoing them', () => {
    const text = oneStep(
      'secrets:',
      '  A: "setting:"',
      '  B: keyvault:https://evil.example.com/secrets/x',
      '  C: 12345678',
    );
    const errors = errorsOf(text);
    expect(errorAt(errors, 'steps[0].secrets.A').message).toMatch(
      /^a setting: reference needs an app setting name/,
    );
    expect(errorAt(errors, 'steps[0].secrets.B').message).toMatch(
      /^a keyvault: reference needs a secret URL/,
    );
    expect(errorAt(errors, 'steps[0].secrets.C').message).toBe(
      'expected a secret reference, got a number; secrets are given by reference only: setting:<APP_SETTING_NAME> or keyvault:https://<vault>.vault.azure.net/secrets/<name>',
    );
    expect(JSON.stringify(errors)).not.toMatch(/evil|12345678/);
  });

  it('rejects a name set both in env and in secrets', () => {
    const error = errorAt(
      errorsOf(oneStep('env: { TOKEN: x }', 'secrets: { TOKEN: "setting:T" }')),
      'steps[0].secrets.TOKEN',
    );
    expect(error.message).toBe(
      'TOKEN is also set in env; a variable is either plain (env) or secret (secrets), not both',
    );
  });
});

describe('parsePipeline: names and ranges', () => {
  it('keeps outputs out of the inputs area', () => {
    const whole = oneStep().replace('prefix: in/ ', '').replace('container: results', 'container: images');
    expect(errorAt(errorsOf(whole), 'outputs.container').message).toBe(
      'results would land among the input images (images/) and be read as new images; use another container, or a prefix outside inputs.prefix',
    );
    expect(specOf(oneStep().replace('container: results', 'container: images')).outputs.prefix).toBe('');
    const nested = oneStep().replace('{ container: results }', '{ container: images, prefix: in/results/ }');
    expect(errorAt(errorsOf(nested), 'outputs.prefix').line).toBe(lineOf(nested, 'in/results/'));
    expect(
      specOf(oneStep().replace('{ container: results }', '{ container: images, prefix: out/ }')).outputs,
    ).toEqual({
      container: 'images',
      prefix: 'out/',
    });
  });

  it('applies Azure container name rules to inputs and outputs', () => {
    for (const name of ['ab', 'My-Images', 'a--b', '-abc']) {
      const error = errorAt(
        errorsOf(oneStep().replace('container: images', `container: "${name}"`)),
        'inputs.container',
      );
      expect(error.message).toBe(
        `"${name}" is not valid: a container name has 3-63 lowercase letters, digits and hyphens, starts and ends with a letter or digit and has no "--"`,
      );
    }
  });

  it.each([
    ['concurrency: 1001', 'concurrency', '1001 is out of range; allowed: 1..1000'],
    ['toleratedFailurePercent: -1', 'toleratedFailurePercent', '-1 is out of range; allowed: 0..100'],
    ['concurrency: 2.5', 'concurrency', '2.5 is not a whole number'],
  ])('%s', (line, path, message) => {
    expect(errorAt(errorsOf(`${line}\n${oneStep()}`), path).message).toBe(message);
  });

  it.each([
    ['retries: 11', 'steps[0].retries', '11 is out of range; allowed: 0..10'],
    ['memoryGB: 0', 'steps[0].memoryGB', '0 GB is too small; must be more than 0'],
    ['gpu: { count: 9 }', 'steps[0].gpu.count', '9 is out of range; allowed: 1..8'],
  ])('%s', (line, path, message) => {
    expect(errorAt(errorsOf(oneStep(line)), path).message).toBe(message);
  });

  it('checks image references', () => {
    const text = oneStep().replace('image: reg.azurecr.io/neo:1.4', 'image: Registry/Neo');
    expect(errorAt(errorsOf(text), 'steps[0].image').message).toBe(
      '"Registry/Neo" is not valid: use [registry/]repository[:tag][@sha256:digest] with a lowercase repository, e.g. myregistry.azurecr.io/neo:1.4',
    );
    const pinned = `reg.azurecr.io:5000/team/neo@sha256:${'a'.repeat(64)}`;
    expect(specOf(oneStep().replace('reg.azurecr.io/neo:1.4', pinned)).steps[0]?.image).toBe(pinned);
  });
});
