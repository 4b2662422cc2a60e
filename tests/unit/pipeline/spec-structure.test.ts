import { parsePipeline } from '../../../src/pipeline';
import { columnOf, errorAt, errorsOf, HEAD, lineOf, oneStep, specOf, yaml } from './helpers';

describe('parsePipeline: shape errors', () => {
  it('names an unknown key, suggests the close one and lists what is allowed', () => {
    const text = oneStep('memory: 4');
    const error = errorAt(errorsOf(text), 'steps[0].memory');
    expect(error.message).toMatch(
      /^unknown key "memory"; did you mean "memoryGB"\? allowed keys: id, image, command/,
    );
    expect(error.line).toBe(lineOf(text, 'memory:'));
    expect(error.column).toBe(columnOf(text, 'memory:'));
  });

  it('suggests top-level keys case-insensitively and lists keys without a suggestion otherwise', () => {
    const text = HEAD + 'Steps: []\nflavour: vanilla\n';
    const errors = errorsOf(text);
    expect(errorAt(errors, 'Steps').message).toContain('did you mean "steps"?');
    expect(errorAt(errors, 'flavour').message).toBe(
      'unknown key "flavour"; allowed keys: $schema, name, description, inputs, outputs, defaults, concurrency, toleratedFailurePercent, steps, finalize, cache, budget, teardown',
    );
    expect(errorAt(errors, 'steps').message).toBe('is required (a list of steps)');
  });

  it('reports missing required fields at the object that lacks them', () => {
    const text =
      HEAD +
      yaml`
      steps:
        - id: tile
          command: x
    `;
    const error = errorAt(errorsOf(text), 'steps[0].image');
    expect(error.message).toBe('is required (a container image reference)');
    expect(error.line).toBe(lineOf(text, '- id: tile'));
  });

  it('says to quote a YAML number where a string is expected (env values)', () => {
    const text = oneStep('env: { TILE_SIZE: 512, DEBUG: true }');
    const errors = errorsOf(text);
    expect(errorAt(errors, 'steps[0].env.TILE_SIZE').message).toBe(
      'expected a string, got the number 512; quote it: "512"',
    );
    expect(errorAt(errors, 'steps[0].env.DEBUG').message).toBe(
      'expected a string, got true; quote it: "true"',
    );
    expect(errorAt(errors, 'steps[0].env.TILE_SIZE').column).toBe(columnOf(text, '512'));
  });

  it('says to remove quotes from a quoted number and rejects other wrong types', () => {
    const text = HEAD + 'concurrency: "20"\ntoleratedFailurePercent: [1]\nsteps: { id: x }\n';
    const errors = errorsOf(text);
    expect(errorAt(errors, 'concurrency').message).toBe(
      'expected a whole number, got the string "20"; remove the quotes: 20',
    );
    expect(errorAt(errors, 'toleratedFailurePercent').message).toBe('expected a number, got a list');
    expect(errorAt(errors, 'steps').message).toBe('expected a list of steps, got an object');
  });

  it('explains an empty value (a key with nothing after it)', () => {
    const text = oneStep('env:');
    const error = errorAt(errorsOf(text), 'steps[0].env');
    expect(error.message).toBe('expected a map, got nothing (an empty value)');
    expect(error.line).toBe(lineOf(text, 'env:'));
  });

  it('rejects a command that is neither a string nor a list of strings', () => {
    const errors = errorsOf(oneStep().replace('command: ["neo", "tile"]', 'command: { run: x }'));
    expect(errorAt(errors, 'steps[0].command').message).toBe(
      'expected a command (a string or a list of strings), got an object',
    );
    const empty = errorsOf(oneStep().replace('command: ["neo", "tile"]', 'command: ""'));
    expect(errorAt(empty, 'steps[0].command').message).toBe('must not be empty; give a command');
  });

  it('rejects enum values with the allowed list and a suggestion', () => {
    const text = oneStep('backend: bach');
    const error = errorAt(errorsOf(text), 'steps[0].backend');
    expect(error.message).toBe('"bach" is not allowed; use one of: aci, batch; did you mean "batch"?');
    expect(error.line).toBe(lineOf(text, 'backend: bach'));
  });

  it('reports YAML syntax errors with line and column and nothing else', () => {
    const text = HEAD + 'steps:\n  - id: a\n    image: [unclosed\n';
    const errors = errorsOf(text);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]?.path).toBe('');
    expect(errors[0]?.message).toMatch(/^YAML syntax: /);
    expect(errors[0]?.line).toBeGreaterThanOrEqual(lineOf(text, 'image: [unclosed'));
    expect(errors[0]?.column).toBeGreaterThan(0);
  });

  it('reports duplicate keys as a syntax error on their line', () => {
    const text = HEAD + 'name: again\nsteps: []\n';
    const [error] = errorsOf(text);
    expect(error?.message).toMatch(/YAML syntax: Map keys must be unique/);
    expect(error?.line).toBe(lineOf(text, 'name: again'));
  });

  it('explains a second YAML document and tab indentation', () => {
    const text = `${HEAD}---\nname: other\n`;
    expect(errorsOf(text)[0]).toEqual({
      path: '',
      message:
        'YAML syntax: the file holds more than one YAML document (a second "---"); a pipeline file holds one',
      line: lineOf(text, '---'),
      column: 1,
    });
    expect(errorsOf('name: a\n\tsteps: x\n')[0]).toMatchObject({
      line: 2,
      message: 'YAML syntax: Tabs are not allowed as indentation',
    });
  });

  it('holds .json files to JSON syntax, with a line and column', () => {
    const text = '{\n  "name": "demo",\n  "steps": [],\n}\n';
    const [error] = errorsOf(text, 'p.json');
    expect(error?.message).toBe('JSON syntax: trailing comma before }: JSON does not allow it');
    expect(error?.line).toBe(lineOf(text, '"steps": [],'));
    expect(error?.column).toBe('  "steps": [],'.length);
  });

  it('points semantic errors in JSON files at their line too', () => {
    const text = JSON.stringify(
      {
        name: 'demo',
        inputs: { container: 'images' },
        outputs: { container: 'results' },
        steps: [{ id: 'a', image: 'x', command: 'x', cpu: 0 }],
      },
      null,
      2,
    );
    const error = errorAt(errorsOf(text, 'pipeline.json'), 'steps[0].cpu');
    expect(error.message).toBe('0 vCPU is too small; must be more than 0');
    expect(error.line).toBe(lineOf(text, '"cpu": 0'));
  });

  it('reports an empty file and a non-object document', () => {
    expect(errorsOf('')[0]).toMatchObject({
      path: '',
      line: 1,
      message: expect.stringContaining('the file is empty'),
    });
    expect(errorsOf('- a\n- b\n')[0]).toMatchObject({
      path: '',
      message: 'expected an object, got a list',
    });
  });

  it('reports every error at once, sorted by position', () => {
    const text =
      HEAD.replace('name: demo', 'name: Demo') +
      yaml`
      concurrency: 0
      steps:
        - id: Tile
          image: x
          command: x
          retries: -1
          color: red
    `;
    const errors = errorsOf(text);
    expect(errors.map((e) => e.path)).toEqual([
      'name',
      'concurrency',
      'steps[0].id',
      'steps[0].retries',
      'steps[0].color',
    ]);
    const lines = errors.map((e) => e.line ?? 0);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
  });

  it('never stops at the first error inside one object', () => {
    const result = parsePipeline(oneStep('cpu: -1', 'memoryGB: "lots"', 'retries: 2.5', 'gpu: 1'));
    expect(result.ok).toBe(false);
    const paths = result.ok ? [] : result.errors.map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining(['steps[0].cpu', 'steps[0].memoryGB', 'steps[0].retries', 'steps[0].gpu']),
    );
  });

  it('says what a step is when a list item is not one', () => {
    const text = `${HEAD}steps: [tile]\n`;
    expect(errorAt(errorsOf(text), 'steps[0]').message).toBe(
      'expected a step (an object with id, image and command), got the string "tile"',
    );
  });

  it('never repeats a secrets map given as a plain value', () => {
    const errors = errorsOf(oneStep('secrets: s3cr3t-value'));
    expect(errorAt(errors, 'steps[0].secrets').message).toBe('expected a map, got a string');
    expect(JSON.stringify(errors)).not.toContain('s3cr3t');
  });

  it('supports YAML anchors, merge keys and x- keys to hold them', () => {
    const text =
      HEAD +
      yaml`
      x-neo: &neo
        image: reg.azurecr.io/neo:1.4
        memoryGB: 3
      steps:
        - { <<: *neo, id: a, command: x }
        - { <<: *neo, id: b, command: y, dependsOn: [a], cpu: 2 }
    `;
    const spec = specOf(text);
    expect(spec.steps.map((step) => [step.id, step.image, step.memoryGB, step.cpu])).toEqual([
      ['a', 'reg.azurecr.io/neo:1.4', 3, 1],
      ['b', 'reg.azurecr.io/neo:1.4', 3, 2],
    ]);
    const merged = errorsOf(text.replace('memoryGB: 3', 'memoryGB: 30'));
    expect(merged.map((e) => e.path)).toEqual(['steps[0].memoryGB', 'steps[1].memoryGB']);
  });
});
