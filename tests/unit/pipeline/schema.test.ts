import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { parsePipeline, pipelineJsonSchema } from '../../../src/pipeline';

const root = join(__dirname, '../../..');
const committed = JSON.parse(readFileSync(join(root, 'schema/pipeline.schema.json'), 'utf8')) as Record<
  string,
  unknown
>;
const samples = readdirSync(join(root, 'samples')).flatMap((dir) =>
  readdirSync(join(root, 'samples', dir))
    .filter((f) => /^pipeline\.(ya?ml|json)$/.test(f))
    .map((f) => `samples/${dir}/${f}`),
);
const validate = new Ajv({ allErrors: true, strict: true }).compile(committed);

function documentOf(file: string): unknown {
  return parse(readFileSync(join(root, file), 'utf8'));
}

describe('schema/pipeline.schema.json', () => {
  it('is what the generator makes from the validator definition (run `npm run schema` if not)', () => {
    expect(committed).toEqual(pipelineJsonSchema());
  });

  it('is a strict draft-07 schema that describes every property', () => {
    expect(committed.$schema).toBe('http://json-schema.org/draft-07/schema#');
    const missing: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const record = node as Record<string, unknown>;
      if (record.properties && typeof record.properties === 'object') {
        for (const [key, child] of Object.entries(
          record.properties as Record<string, Record<string, unknown>>,
        )) {
          if (typeof child.description !== 'string' && typeof child.$ref !== 'string')
            missing.push(`${path}.${key}`);
        }
      }
      for (const [key, child] of Object.entries(record)) walk(child, `${path}/${key}`);
    };
    walk(committed, '#');
    expect(missing).toEqual([]);
  });

  it('accepts every sample the validator accepts', () => {
    expect(samples.length).toBeGreaterThanOrEqual(3);
    for (const file of samples) {
      expect([file, parsePipeline(readFileSync(join(root, file), 'utf8'), { fileName: file }).ok]).toEqual([
        file,
        true,
      ]);
      expect([file, validate(documentOf(file)), validate.errors ?? []]).toEqual([file, true, []]);
    }
  });

  it('rejects what the validator rejects on shape: unknown keys, bad enums, bad durations, missing fields', () => {
    const base = documentOf('samples/damage-assessment/pipeline.yaml') as {
      steps: Record<string, unknown>[];
    };
    const cases: [string, (doc: typeof base) => void, string][] = [
      ['unknown key', (d) => (d.steps[0]!.memory = 2), 'steps[0].memory'],
      ['bad backend', (d) => (d.steps[0]!.backend = 'k8s'), 'steps[0].backend'],
      ['bad duration', (d) => (d.steps[0]!.timeout = '30'), 'steps[0].timeout'],
      ['missing image', (d) => delete d.steps[0]!.image, 'steps[0].image'],
      ['literal secret', (d) => (d.steps[0]!.secrets = { T: 'hunter2' }), 'steps[0].secrets.T'],
      ['env number', (d) => (d.steps[0]!.env = { N: 1 }), 'steps[0].env.N'],
    ];
    for (const [name, mutate, path] of cases) {
      const doc = structuredClone(base);
      mutate(doc);
      expect([name, validate(doc)]).toEqual([name, false]);
      const result = parsePipeline(JSON.stringify(doc));
      expect([name, result.ok ? [] : result.errors.map((e) => e.path)]).toEqual([name, [path]]);
    }
  });
});
