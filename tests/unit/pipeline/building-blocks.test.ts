import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CONTAINER_PATHS,
  CycleError,
  dependentsOf,
  findCycles,
  formatDuration,
  formatSecretRef,
  gpuVmSize,
  leafSteps,
  parseDuration,
  parseSecretRef,
  IMAGE_PLACEHOLDER,
  rootSteps,
  stepInputs,
  topologicalLevels,
  topologicalOrder,
} from '../../../src/pipeline';
import { findJsonSyntaxError } from '../../../src/pipeline/json-syntax';
import { closest } from '../../../src/pipeline/suggest';
import { specOf } from './helpers';

const diamond = [
  { id: 'join', dependsOn: ['left', 'right'] },
  { id: 'left', dependsOn: ['root'] },
  { id: 'right', dependsOn: ['root'] },
  { id: 'root' },
];

describe('the step graph', () => {
  it('levels and orders a diamond declared out of order', () => {
    expect(topologicalLevels(diamond)).toEqual([['root'], ['left', 'right'], ['join']]);
    expect(topologicalOrder(diamond)).toEqual(['root', 'left', 'right', 'join']);
  });

  it('finds roots, leaves and dependents', () => {
    expect(rootSteps(diamond)).toEqual(['root']);
    expect(leafSteps(diamond)).toEqual(['join']);
    expect(dependentsOf(diamond, 'root')).toEqual(['left', 'right']);
  });

  it('throws a CycleError naming the cycle', () => {
    const nodes = [{ id: 'a', dependsOn: ['b'] }, { id: 'b', dependsOn: ['a'] }, { id: 'c' }];
    expect(() => topologicalLevels(nodes)).toThrow(new CycleError(['a', 'b', 'a']));
    expect(() => topologicalLevels(nodes)).toThrow('dependsOn forms a cycle: a -> b -> a');
    expect(findCycles(diamond)).toEqual([]);
  });

  it('finds each cycle once, however the search enters it', () => {
    const nodes = [
      { id: 'x', dependsOn: ['b'] },
      { id: 'a', dependsOn: ['c'] },
      { id: 'b', dependsOn: ['a'] },
      { id: 'c', dependsOn: ['b'] },
    ];
    expect(findCycles(nodes)).toEqual([['a', 'c', 'b', 'a']]);
  });
});

describe('durations', () => {
  it.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['1h30m', 5_400_000],
    ['1d', 86_400_000],
    ['0m', 0],
  ])('parses %s', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, ms });
  });

  it('rejects text that is not a duration', () => {
    for (const text of ['', '30', '1.5h', 'm', '30m1h', '5 m', '-1s'])
      expect(parseDuration(text).ok).toBe(false);
  });

  it('formats ms back into the shortest spec string', () => {
    expect([90_000, 5_400_000, 86_400_000, 0, 1_500].map(formatDuration)).toEqual([
      '1m30s',
      '1h30m',
      '24h',
      '0s',
      '1s',
    ]);
    for (const text of ['45s', '1h1m1s', '3h']) {
      const parsed = parseDuration(text);
      expect(parsed.ok && formatDuration(parsed.ms)).toBe(text);
    }
  });
});

describe('secret references', () => {
  it('round-trips both forms', () => {
    for (const text of [
      'setting:MY_TOKEN',
      'keyvault:https://kv-1.vault.azure.net/secrets/token',
      'keyvault:https://kv1.vault.azure.cn/secrets/x',
    ]) {
      const parsed = parseSecretRef(text);
      expect(parsed.ok && formatSecretRef(parsed.ref)).toBe(text);
    }
  });

  it('rejects literals and look-alikes', () => {
    for (const text of [
      'hunter2',
      'setting:',
      'setting:9X',
      'keyvault:http://kv.vault.azure.net/secrets/x',
      'keyvault:https://kv.example.com/secrets/x',
      'env:TOKEN',
    ]) {
      expect(parseSecretRef(text).ok).toBe(false);
    }
  });
});

describe('GPU VM size data', () => {
  it('knows listed sizes case-insensitively and accepts other N-series sizes as GPU sizes', () => {
    expect(gpuVmSize('STANDARD_NC6S_V3')).toEqual({ kind: 'known', size: { gpus: 1, sku: 'V100' } });
    expect(gpuVmSize('Standard_NC4as_T4_v3')).toEqual({ kind: 'known', size: { gpus: 1, sku: 'T4' } });
    expect(gpuVmSize('Standard_ND40rs_v2')).toEqual({ kind: 'family' });
    expect(gpuVmSize('Standard_D2s_v3')).toBeUndefined();
  });
});

describe('JSON syntax positions', () => {
  it.each([
    ['{"a": [1, 2,]}', 11, 'trailing comma before ]: JSON does not allow it'],
    ['{"a": 1 // c\n}', 8, 'comments are not allowed in JSON (use YAML if you want comments)'],
    ["{'a': 1}", 1, 'strings need double quotes in JSON'],
    ['{"a" 1}', 5, 'expected ":" after a property name'],
    ['{"a": 1', 7, 'unexpected end of file'],
    ['{} x', 3, 'unexpected "x" after the end of the document'],
  ])('%s', (text, offset, message) => {
    expect(findJsonSyntaxError(text)).toEqual({ offset, message });
  });

  it('accepts valid JSON', () => {
    expect(findJsonSyntaxError('{"a": [1, -2.5e3, "x\\n\\u00e9", true, false, null, {}]}')).toBeUndefined();
  });
});

describe('did you mean', () => {
  it('suggests close and truncated names only', () => {
    expect(closest('memroyGB', ['memoryGB', 'cpu'])).toBe('memoryGB');
    expect(closest('mem', ['memoryGB', 'cpu'])).toBe('memoryGB');
    expect(closest('colour', ['memoryGB', 'cpu'])).toBeUndefined();
  });
});

describe('the step contract: input layout', () => {
  const spec = specOf(readFileSync(join(__dirname, '../../../samples/diamond/pipeline.yaml'), 'utf8'));

  it('gives a root step the source, one dependency straight in /flotilla/in, several a folder each', () => {
    expect(stepInputs(spec, 'tile')).toEqual([{ kind: 'source', mountPath: CONTAINER_PATHS.in }]);
    expect(stepInputs(spec, 'ndvi')).toEqual([{ kind: 'step', step: 'tile', mountPath: '/flotilla/in' }]);
    expect(stepInputs(spec, 'join')).toEqual([
      { kind: 'step', step: 'ndvi', mountPath: '/flotilla/in/ndvi' },
      { kind: 'step', step: 'clouds', mountPath: '/flotilla/in/clouds' },
    ]);
    expect(() => stepInputs(spec, 'nope')).toThrow('no step "nope"');
  });

  it('gives finalize every leaf step of every image, per image', () => {
    const sample = specOf(
      readFileSync(join(__dirname, '../../../samples/damage-assessment/pipeline.yaml'), 'utf8'),
    );
    expect(stepInputs(sample, 'merge')).toEqual([
      { kind: 'all-images', step: 'vectorize', mountPath: `/flotilla/in/${IMAGE_PLACEHOLDER}` },
    ]);
  });
});
