import {
  evaluateFormula,
  type FormulaEnvironment,
  FormulaError,
  parseFormula,
  printValue,
} from '../../../packages/emulators/batch/autoscale-formula';

const NOW = Date.UTC(2026, 5, 7, 3, 4, 5); // a Sunday
/** Ten samples of $PendingTasks, 30 s apart, ending now: 1, 2, ..., 10. */
const env: FormulaEnvironment = {
  now: NOW,
  samplePeriodMs: 30_000,
  samples: (name) =>
    name.toLowerCase() === '$pendingtasks'
      ? Array.from({ length: 10 }, (_, i) => ({ at: NOW - (9 - i) * 30_000, value: i + 1 }))
      : undefined,
  scalars: {
    $CurrentDedicatedNodes: 2,
    $TargetDedicatedNodes: 2,
    $NodeDeallocationOption: { kind: 'str', v: 'requeue' },
  },
};
const run = (formula: string) => {
  const vars = evaluateFormula(parseFormula(formula), env);
  return (name: string) => printValue(vars.get(name)!);
};

describe('autoscale formula evaluator', () => {
  it('follows operator precedence, ternaries, comments and case-insensitive names', () => {
    const get = run(`// sizing
      a = 1 + 2 * 3 - 4 / 2;   b = (1 + 2) * 3;
      c = a > 4 && !(b < 9) ? -1 : 2;
      $targetDedicatedNodes = max(A, B) + $CurrentDedicatedNodes`);
    expect([get('a'), get('b'), get('c'), get('$TargetDedicatedNodes')]).toEqual(['5', '9', '-1', '11']);
  });

  it('reads samples by count, by interval and by percent, and computes vector functions', () => {
    const get = run(`
      last = $PendingTasks.GetSample(1);
      three = $PendingTasks.GetSample(3);
      window = avg($PendingTasks.GetSample(TimeInterval_Minute * 2));
      pct = $PendingTasks.GetSamplePercent(TimeInterval_Minute * 10);
      n = $PendingTasks.Count();
      s = sum(three * 2); sd = std($PendingTasks.GetSample(10)); p = percentile($PendingTasks.GetSample(10), 90);
      v = val(three, 0); r = range(three); f = floor(2.7) + ceil(0.2) + round(1.5)`);
    expect([get('last'), get('three'), get('window'), get('pct'), get('n')]).toEqual([
      '[10]',
      '[8,9,10]',
      '8',
      '50',
      '10',
    ]);
    expect([get('s'), get('p'), get('v'), get('r'), get('f')]).toEqual(['54', '9', '8', '2', '5']);
    expect(Number(get('sd'))).toBeCloseTo(2.8723, 3);
  });

  it('handles timestamps and time intervals', () => {
    const get = run(`t = time(); h = t.hour; wd = t.weekday; ago = t - TimeInterval_Hour * 2;
      d = time("2026-06-07T00:00:00Z"); since = (t - d) / TimeInterval_Second; weekend = wd == 0 || wd == 6`);
    expect([get('h'), get('wd'), get('ago'), get('since'), get('weekend')]).toEqual([
      '3',
      '0',
      '2026-06-07T01:04:05.000Z',
      '11045',
      '1',
    ]);
  });

  it('stop() ends the evaluation and keeps what was assigned', () => {
    const vars = evaluateFormula(
      parseFormula('$TargetDedicatedNodes = 7; x = stop(); $TargetDedicatedNodes = 1;'),
      env,
    );
    expect(vars.get('$TargetDedicatedNodes')).toBe(7);
  });

  it('reports syntax errors by position and evaluation errors by name', () => {
    expect(() => parseFormula('$TargetDedicatedNodes = (1 + ;')).toThrow(
      new FormulaError('syntax', "expected a value at ';' (position 29)"),
    );
    expect(() => parseFormula('x = 1 y = 2')).toThrow(/expected ';' at 'y'/);
    expect(() => parseFormula('x = 1 # 2')).toThrow(/unexpected character "#"/);
    const fail = (formula: string) => () => evaluateFormula(parseFormula(formula), env);
    expect(fail('x = $PendingTasks.GetSample(20, 80)')).toThrow(
      /insufficient samples \(10 of 20 expected, 80% required\)/,
    );
    expect(fail('x = nope + 1')).toThrow('nope is not defined');
    expect(fail('x = 1 / 0')).toThrow('division by zero');
    expect(fail('x = exp(1)')).toThrow('exp() is not a Batch autoscale function');
    expect(fail('x = $PendingTasks * 2')).toThrow(/sample variable/);
    expect(fail('x = TimeInterval_Minute + 1')).toThrow(/not defined between a time interval and a number/);
  });
});
