import { NAME_LIMITS } from '../../../src/pipeline';
import { errorAt, errorsOf, HEAD, lineOf, oneStep, yaml } from './helpers';

function chain(...steps: [id: string, deps: string[]][]): string {
  const body = steps
    .map(
      ([id, deps]) =>
        `  - id: ${id}\n    image: busybox\n    command: x\n${deps.length ? `    dependsOn: [${deps.join(', ')}]\n` : ''}`,
    )
    .join('');
  return `${HEAD}steps:\n${body}`;
}

describe('parsePipeline: step ids and the graph', () => {
  it('rejects step ids that cannot be part of Azure resource names', () => {
    const errors = errorsOf(chain(['Tile_1', []], ['-x', []], ['ok-', []]));
    for (const [path, id] of [
      ['steps[0].id', 'Tile_1'],
      ['steps[1].id', '-x'],
      ['steps[2].id', 'ok-'],
    ] as const) {
      expect(errorAt(errors, path).message).toBe(
        `"${id}" is not valid: use lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen (step ids become part of Azure resource names)`,
      );
    }
  });

  it(`caps step ids at ${NAME_LIMITS.stepIdMaxLength} characters so derived ACI names fit 63`, () => {
    const long = 'a'.repeat(NAME_LIMITS.stepIdMaxLength + 1);
    const text = chain([long, []]);
    const error = errorAt(errorsOf(text), 'steps[0].id');
    expect(error.message).toBe(
      `"${long}" is ${long.length} characters long; at most ${NAME_LIMITS.stepIdMaxLength} are allowed`,
    );
    expect(error.line).toBe(lineOf(text, long));
    expect(NAME_LIMITS.stepIdMaxLength).toBeLessThan(NAME_LIMITS.aciNameMaxLength);
  });

  it('requires ids to be unique across steps and finalize', () => {
    const text = chain(['tile', []], ['tile', []]) + 'finalize: { id: tile, image: x, command: x }\n';
    const errors = errorsOf(text).filter((e) => e.path.endsWith('.id'));
    expect(errors).toEqual([
      {
        path: 'steps[1].id',
        message:
          '"tile" is already the id of steps[0]; step ids must be unique (steps and finalize together)',
        line: lineOf(text, 'tile', text.indexOf('tile') + 1),
        column: 9,
      },
      expect.objectContaining({ path: 'finalize.id', line: lineOf(text, 'finalize:') }),
    ]);
  });

  it('rejects dependsOn naming an unknown step, with a suggestion', () => {
    const text = chain(['predict', []], ['vectorize', ['predcit']]);
    const error = errorAt(errorsOf(text), 'steps[1].dependsOn[0]');
    expect(error.message).toBe(
      'unknown step "predcit"; did you mean "predict"? steps are: predict, vectorize',
    );
    expect(error.line).toBe(lineOf(text, 'predcit'));
  });

  it('rejects a dependency listed twice and a step depending on itself', () => {
    const errors = errorsOf(chain(['a', []], ['b', ['a', 'a']], ['c', ['c']]));
    expect(errorAt(errors, 'steps[1].dependsOn[1]').message).toBe('"a" is listed twice');
    expect(errorAt(errors, 'steps[2].dependsOn[0]').message).toBe('a step cannot depend on itself ("c")');
  });

  it('prints a dependency cycle, starting at the step declared first', () => {
    const text = chain(['a', ['c']], ['b', ['a']], ['c', ['b']]);
    const error = errorAt(errorsOf(text), 'steps[0].dependsOn[0]');
    expect(error.message).toBe(
      'dependsOn forms a cycle: a -> c -> b -> a (-> reads "depends on"); remove one of these dependencies',
    );
    expect(error.line).toBe(lineOf(text, 'dependsOn: [c]'));
  });

  it('reports two separate cycles separately', () => {
    const errors = errorsOf(chain(['a', ['b']], ['b', ['a']], ['c', ['d']], ['d', ['c']], ['e', []]));
    const cycles = errors.filter((e) => e.message.startsWith('dependsOn forms a cycle'));
    expect(cycles.map((e) => e.message.split(' (')[0])).toEqual([
      'dependsOn forms a cycle: a -> b -> a',
      'dependsOn forms a cycle: c -> d -> c',
    ]);
  });

  it('does not let a step depend on finalize, nor finalize take dependsOn', () => {
    const text =
      chain(['a', []], ['b', ['merge']]) +
      'finalize:\n  id: merge\n  dependsOn: [a]\n  image: x\n  command: x\n';
    const errors = errorsOf(text);
    expect(errorAt(errors, 'steps[1].dependsOn[0]').message).toBe(
      '"merge" is the finalize step, which runs after all steps; a step cannot depend on it',
    );
    const finalize = errorAt(errors, 'finalize.dependsOn');
    expect(finalize.message).toBe(
      'is not allowed here: finalize runs once after every step of every image; it takes no dependsOn',
    );
    expect(finalize.line).toBe(lineOf(text, '  dependsOn: [a]'));
  });

  it('needs at least one step', () => {
    const error = errorAt(errorsOf(`${HEAD}steps: []\n`), 'steps');
    expect(error.message).toBe('needs at least 1 item');
  });
});

describe('parsePipeline: durations', () => {
  it.each([
    [
      '30',
      'expected a duration such as 90s, 30m or 2h, got the number 30; add a unit and it reads as a string: 30s or 30m',
    ],
    ['"30"', '"30" has no unit; write e.g. 30s or 30m (units: s, m, h, d)'],
    [
      '2x',
      '"2x" is not a duration; use whole numbers with units s, m, h, d, largest first, e.g. 90s, 30m, 2h, 1h30m',
    ],
    [
      '30m1h',
      '"30m1h" is not a duration; use whole numbers with units s, m, h, d, largest first, e.g. 90s, 30m, 2h, 1h30m',
    ],
    ['0s', '"0s" is zero; it must be more than 0'],
    ['25h', '"25h" is longer than the maximum of 24h'],
  ])('timeout: %s is rejected', (value, message) => {
    const text = oneStep(`timeout: ${value}`);
    const error = errorAt(errorsOf(text), 'steps[0].timeout');
    expect(error.message).toBe(message);
    expect(error.line).toBe(lineOf(text, 'timeout:'));
  });

  it('accepts 0m for keepOnFailure but caps it', () => {
    const ok = oneStep() + 'teardown: { keepOnFailure: 0m }\n';
    expect(errorsOf.bind(null, ok)).toThrow('expected errors');
    const text =
      oneStep() +
      yaml`
      teardown:
        keepOnFailure: 2d
    `;
    expect(errorAt(errorsOf(text), 'teardown.keepOnFailure').message).toBe(
      '"2d" is longer than the maximum of 24h',
    );
  });
});
