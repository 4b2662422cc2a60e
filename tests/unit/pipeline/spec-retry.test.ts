import { errorAt, errorsOf, HEAD, oneStep, specOf, yaml } from './helpers';

describe('parsePipeline: retry classes', () => {
  it('normalises onOutOfMemory with its defaults, capped at the ACI limit on ACI steps', () => {
    const step = specOf(oneStep('retry: { onOutOfMemory: { maxMemoryGB: 64 }, never: [2] }')).steps[0];
    expect(step?.retry).toEqual({ onOutOfMemory: { memoryFactor: 2, maxMemoryGB: 16 }, never: [2] });
  });

  it('keeps a larger cap on Batch steps, and merges a step over defaults key by key', () => {
    const spec = specOf(
      HEAD +
        yaml`
        defaults: { retry: { onOutOfMemory: { memoryFactor: 1.5, maxMemoryGB: 64 }, onExitCodes: [1] } }
        steps:
          - { id: a, image: x, command: x, backend: batch }
          - { id: b, image: x, command: x, retry: { onExitCodes: [3, 4] } }
          - { id: c, image: x, command: x, retries: 0 }
      `,
    );
    expect(spec.steps.map((s) => s.retry)).toEqual([
      { onOutOfMemory: { memoryFactor: 1.5, maxMemoryGB: 64 }, onExitCodes: [1] },
      { onOutOfMemory: { memoryFactor: 1.5, maxMemoryGB: 16 }, onExitCodes: [3, 4] },
      { onOutOfMemory: { memoryFactor: 1.5, maxMemoryGB: 16 }, onExitCodes: [1] },
    ]);
  });

  it('leaves retry out when neither the step nor defaults set it (retries alone, as before)', () => {
    expect(specOf(oneStep('retries: 3')).steps[0]).not.toHaveProperty('retry');
  });

  it.each([
    [
      'retry: { onOutOfMemory: { memoryFactor: 1 } }',
      'steps[0].retry.onOutOfMemory.memoryFactor',
      /more than 1/,
    ],
    ['retry: { onExitCodes: [0] }', 'steps[0].retry.onExitCodes[0]', /out of range; allowed: 1..255/],
    ['retry: { never: [2, 2] }', 'steps[0].retry.never[1]', /listed twice/],
    ['retry: { onExitcodes: [1] }', 'steps[0].retry.onExitcodes', /did you mean "onExitCodes"/i],
  ])('refuses %s at its path', (line, path, message) => {
    expect(errorAt(errorsOf(oneStep(line)), path).message).toMatch(message);
  });
});
