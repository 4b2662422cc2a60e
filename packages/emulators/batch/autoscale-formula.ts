/**
 * The Batch autoscale formula language, parsed and evaluated without `eval` (docs/emulators-batch.md,
 * "Autoscale formulas"): `;`-separated assignments to `$Var` or plain variables; numbers, strings, the
 * `TimeInterval_*` constants, `time()`; `+ - * /`, comparisons, `&& || !`, `?:`; `avg max min sum len std
 * percentile ceil floor round abs lg ln log norm range val time stop`; sample variables with `.GetSample(...)`,
 * `.GetSamplePercent(...)`, `.Count()`, `.GetSamplePeriod()`; timestamps' `.year .month .day .weekday .hour
 * .minute .second`. A syntax error is a `FormulaError` of kind `syntax`; a run-time problem is kind `evaluation`.
 */

export class FormulaError extends Error {
  constructor(
    readonly kind: 'syntax' | 'evaluation',
    message: string,
  ) {
    super(message);
  }
}

/** `stop()`: ends the evaluation; what was assigned so far stands. */
class StopEvaluation extends Error {}

type Node =
  | { t: 'num'; v: number }
  | { t: 'str'; v: string }
  | { t: 'var'; name: string }
  | { t: 'un'; op: string; a: Node }
  | { t: 'bin'; op: string; a: Node; b: Node }
  | { t: 'cond'; c: Node; a: Node; b: Node }
  | { t: 'call'; name: string; args: Node[] }
  | { t: 'method'; target: Node; name: string; args: Node[] }
  | { t: 'prop'; target: Node; name: string };

export interface Statement {
  readonly name: string;
  readonly expr: Node;
}

/** A value: a number, a vector, a string, a timestamp or a time interval (both in milliseconds). */
export type Value =
  | number
  | number[]
  | { kind: 'str'; v: string }
  | { kind: 'time'; ms: number }
  | { kind: 'interval'; ms: number };

const TOKEN =
  /\s+|\/\/[^\n]*|(\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)|("[^"]*")|(\$?[A-Za-z_][A-Za-z0-9_]*)|(&&|\|\||==|!=|<=|>=|[-+*/<>!?:;().,=])/y;

type Tok = { k: 'num' | 'str' | 'id' | 'op'; v: string; at: number };

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < src.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(src);
    if (!m)
      throw new FormulaError('syntax', `unexpected character ${JSON.stringify(src[at])} at position ${at}`);
    if (m[1] !== undefined) toks.push({ k: 'num', v: m[1], at });
    else if (m[2] !== undefined) toks.push({ k: 'str', v: m[2].slice(1, -1), at });
    else if (m[3] !== undefined) toks.push({ k: 'id', v: m[3], at });
    else if (m[4] !== undefined) toks.push({ k: 'op', v: m[4], at });
  }
  return toks;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}

  private peek(v?: string): Tok | undefined {
    const t = this.toks[this.i];
    return v === undefined || (t?.k === 'op' && t.v === v) ? t : undefined;
  }
  private eat(v: string): boolean {
    if (!this.peek(v)) return false;
    this.i += 1;
    return true;
  }
  private expect(v: string): void {
    if (!this.eat(v)) throw this.error(`expected '${v}'`);
  }
  private error(what: string): FormulaError {
    const t = this.toks[this.i];
    return new FormulaError(
      'syntax',
      `${what} ${t ? `at '${t.v}' (position ${t.at})` : 'at the end of the formula'}`,
    );
  }

  statements(): Statement[] {
    const out: Statement[] = [];
    while (this.i < this.toks.length) {
      if (this.eat(';')) continue;
      const t = this.toks[this.i];
      if (t?.k !== 'id' || this.toks[this.i + 1]?.v !== '=') throw this.error('expected an assignment');
      this.i += 2;
      out.push({ name: t.v, expr: this.ternary() });
      if (this.i < this.toks.length) this.expect(';');
    }
    return out;
  }

  private ternary(): Node {
    const c = this.binary(0);
    if (!this.eat('?')) return c;
    const a = this.ternary();
    this.expect(':');
    return { t: 'cond', c, a, b: this.ternary() };
  }

  private static readonly LEVELS = [
    ['||'],
    ['&&'],
    ['==', '!='],
    ['<', '<=', '>', '>='],
    ['+', '-'],
    ['*', '/'],
  ];

  private binary(level: number): Node {
    if (level >= Parser.LEVELS.length) return this.unary();
    let a = this.binary(level + 1);
    for (;;) {
      const t = this.toks[this.i];
      if (t?.k !== 'op' || !Parser.LEVELS[level]?.includes(t.v)) return a;
      this.i += 1;
      a = { t: 'bin', op: t.v, a, b: this.binary(level + 1) };
    }
  }

  private unary(): Node {
    if (this.eat('-')) return { t: 'un', op: '-', a: this.unary() };
    if (this.eat('!')) return { t: 'un', op: '!', a: this.unary() };
    if (this.eat('+')) return this.unary();
    return this.postfix(this.primary());
  }

  private args(): Node[] {
    const args: Node[] = [];
    if (this.eat(')')) return args;
    do args.push(this.ternary());
    while (this.eat(','));
    this.expect(')');
    return args;
  }

  private postfix(node: Node): Node {
    while (this.eat('.')) {
      const t = this.toks[this.i];
      if (t?.k !== 'id') throw this.error('expected a method or property name');
      this.i += 1;
      node = this.eat('(')
        ? { t: 'method', target: node, name: t.v, args: this.args() }
        : { t: 'prop', target: node, name: t.v };
    }
    return node;
  }

  private primary(): Node {
    const t = this.toks[this.i];
    if (!t) throw this.error('expected a value');
    this.i += 1;
    if (t.k === 'num') return { t: 'num', v: Number(t.v) };
    if (t.k === 'str') return { t: 'str', v: t.v };
    if (t.k === 'id')
      return this.eat('(') ? { t: 'call', name: t.v, args: this.args() } : { t: 'var', name: t.v };
    if (t.v === '(') {
      const e = this.ternary();
      this.expect(')');
      return e;
    }
    this.i -= 1;
    throw this.error('expected a value');
  }
}

/** Parses a formula; throws `FormulaError` (kind `syntax`) naming the position. */
export function parseFormula(formula: string): Statement[] {
  return new Parser(tokenize(formula)).statements();
}

/** What the evaluator reads from the pool: sample series, current values and the clock. */
export interface FormulaEnvironment {
  readonly now: number;
  /** Samples of a sample variable (`$PendingTasks`, ...), newest last, each `{ at, value }`; undefined: unknown. */
  samples(name: string): readonly { at: number; value: number }[] | undefined;
  /** Read-only scalar system variables (`$CurrentDedicatedNodes`, ...) and initial read-write values. */
  readonly scalars: Readonly<Record<string, Value>>;
  /** Sample period (ms) the service samples at. */
  readonly samplePeriodMs: number;
}

const UNIT: Record<string, number> = {
  TimeInterval_Zero: 0,
  TimeInterval_100ns: 1e-4,
  TimeInterval_Microsecond: 1e-3,
  TimeInterval_Millisecond: 1,
  TimeInterval_Second: 1000,
  TimeInterval_Minute: 60_000,
  TimeInterval_Hour: 3_600_000,
  TimeInterval_Day: 86_400_000,
  TimeInterval_Week: 604_800_000,
  TimeInterval_Year: 31_536_000_000,
};

/** Words `$NodeDeallocationOption` takes. */
export const DEALLOCATION_OPTIONS = ['requeue', 'terminate', 'taskcompletion', 'retaineddata'] as const;

const isNum = (v: Value): v is number => typeof v === 'number';
const fail = (message: string): never => {
  throw new FormulaError('evaluation', message);
};

function scalar(v: Value, what: string): number {
  if (isNum(v)) return v;
  if (Array.isArray(v))
    return v.length === 1
      ? (v[0] as number)
      : fail(`${what}: expected a number, got a vector of ${v.length} values`);
  return fail(
    `${what}: expected a number, got a ${v.kind === 'str' ? 'string' : v.kind === 'time' ? 'timestamp' : 'time interval'}`,
  );
}

function flatten(args: Value[], fn: string): number[] {
  const out: number[] = [];
  for (const a of args) {
    if (isNum(a)) out.push(a);
    else if (Array.isArray(a)) out.push(...a);
    else fail(`${fn}(): expects numbers or vectors`);
  }
  return out;
}

const SAMPLE_METHODS = new Set([
  'GetSample',
  'GetSamplePercent',
  'Count',
  'GetSamplePeriod',
  'HistoryBeginTime',
]);

/** Evaluates parsed statements; returns every assigned variable (and the initial read-write ones). */
export function evaluateFormula(
  statements: readonly Statement[],
  env: FormulaEnvironment,
): Map<string, Value> {
  const vars = new Map<string, Value>(Object.entries(env.scalars));
  const lower = (name: string) => name.toLowerCase();
  const known = new Map<string, string>([...vars.keys()].map((k) => [lower(k), k]));
  const samplesOf = (
    node: Node,
  ): { name: string; list: readonly { at: number; value: number }[] } | undefined => {
    if (node.t !== 'var') return undefined;
    const list = env.samples(node.name);
    return list ? { name: node.name, list } : undefined;
  };
  const interval = (v: Value, what: string): number =>
    !isNum(v) && !Array.isArray(v) && v.kind === 'interval'
      ? v.ms
      : fail(`${what}: expected a time interval such as TimeInterval_Minute * 5`);

  const method = (node: Extract<Node, { t: 'method' }>): Value => {
    const series = samplesOf(node.target);
    if (!series) {
      if (!SAMPLE_METHODS.has(node.name)) fail(`.${node.name}() is not a Batch autoscale method`);
      return fail(`.${node.name}() needs a sample variable such as $PendingTasks`);
    }
    const { name, list } = series;
    const args = node.args.map(ev);
    if (node.name === 'Count') return list.length;
    if (node.name === 'GetSamplePeriod') return { kind: 'interval', ms: env.samplePeriodMs };
    if (node.name === 'HistoryBeginTime') return { kind: 'time', ms: list[0]?.at ?? env.now };
    const windowOf = (a: Value | undefined): number[] => {
      if (a === undefined) return fail(`${name}.${node.name}(): needs a sample count or a time interval`);
      if (isNum(a)) return list.slice(Math.max(0, list.length - Math.floor(a))).map((s) => s.value);
      const ms = interval(a, `${name}.${node.name}()`);
      return list.filter((s) => s.at >= env.now - ms).map((s) => s.value);
    };
    const expected = (a: Value | undefined): number =>
      a !== undefined && !isNum(a)
        ? Math.max(1, Math.floor(interval(a, name) / env.samplePeriodMs))
        : Math.floor(Number(a ?? 1));
    if (node.name === 'GetSamplePercent') {
      const got = windowOf(args[0]).length;
      return Math.min(100, (got / expected(args[0])) * 100);
    }
    if (node.name === 'GetSample') {
      const values = windowOf(args[0]);
      const pct = args[1] === undefined ? 0 : scalar(args[1], `${name}.GetSample() percent`);
      if (values.length === 0 || (values.length / expected(args[0])) * 100 < pct)
        fail(
          `${name}.GetSample(): insufficient samples (${values.length} of ${expected(args[0])} expected, ${pct}% required)`,
        );
      return values;
    }
    return fail(`.${node.name}() is not a Batch autoscale method`);
  };

  const call = (node: Extract<Node, { t: 'call' }>): Value => {
    const args = node.args.map(ev);
    const nums = () => flatten(args, node.name);
    const one = () => scalar(args[0] ?? fail(`${node.name}(): needs an argument`), `${node.name}()`);
    switch (node.name) {
      case 'avg': {
        const v = nums();
        return v.length ? v.reduce((a, b) => a + b, 0) / v.length : fail('avg(): no values');
      }
      case 'max':
      case 'min': {
        const v = nums();
        return v.length ? Math[node.name](...v) : fail(`${node.name}(): no values`);
      }
      case 'sum':
        return nums().reduce((a, b) => a + b, 0);
      case 'len':
        return nums().length;
      case 'std': {
        const v = nums();
        const m = v.reduce((a, b) => a + b, 0) / (v.length || 1);
        return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length || 1));
      }
      case 'range': {
        const v = nums();
        return v.length ? Math.max(...v) - Math.min(...v) : 0;
      }
      case 'norm':
        return Math.sqrt(nums().reduce((a, b) => a + b * b, 0));
      case 'percentile': {
        const v = flatten(args.slice(0, 1), node.name).sort((a, b) => a - b);
        const p = scalar(args[1] ?? fail('percentile(): needs a percentile'), 'percentile()');
        return v.length
          ? (v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))] as number)
          : fail('percentile(): no values');
      }
      case 'val': {
        const v = flatten(args.slice(0, 1), node.name);
        const i = scalar(args[1] ?? fail('val(): needs an index'), 'val()');
        return v[i] ?? fail(`val(): index ${i} is outside the vector of ${v.length} values`);
      }
      case 'ceil':
        return Math.ceil(one());
      case 'floor':
        return Math.floor(one());
      case 'round':
        return Math.round(one());
      case 'abs':
        return Math.abs(one());
      case 'lg':
        return Math.log2(one());
      case 'ln':
        return Math.log(one());
      case 'log':
        return args.length > 1
          ? Math.log(one()) / Math.log(scalar(args[1] as Value, 'log() base'))
          : Math.log10(one());
      case 'time': {
        if (args.length === 0) return { kind: 'time', ms: env.now };
        const s = args[0];
        const ms = s && !isNum(s) && !Array.isArray(s) && s.kind === 'str' ? Date.parse(s.v) : NaN;
        return Number.isNaN(ms)
          ? fail('time(): expects a date string such as "2026-01-01T00:00:00Z"')
          : { kind: 'time', ms };
      }
      case 'rand':
        return Math.random();
      case 'stop':
        throw new StopEvaluation();
      default:
        return fail(`${node.name}() is not a Batch autoscale function`);
    }
  };

  const ev = (node: Node): Value => {
    switch (node.t) {
      case 'num':
        return node.v;
      case 'str':
        return { kind: 'str', v: node.v };
      case 'var': {
        if (node.name in UNIT) return { kind: 'interval', ms: UNIT[node.name] as number };
        const word = DEALLOCATION_OPTIONS.find((w) => w === node.name.toLowerCase());
        if (word) return { kind: 'str', v: word };
        const key = known.get(lower(node.name));
        if (key !== undefined) return vars.get(key) as Value;
        if (env.samples(node.name))
          return fail(`${node.name} is a sample variable: read it with ${node.name}.GetSample(...)`);
        return fail(`${node.name} is not defined`);
      }
      case 'un': {
        const a = ev(node.a);
        if (node.op === '!') return scalar(a, '!') ? 0 : 1;
        if (Array.isArray(a)) return a.map((x) => -x);
        if (!isNum(a) && a.kind === 'interval') return { kind: 'interval', ms: -a.ms };
        return -scalar(a, 'unary -');
      }
      case 'cond':
        return scalar(ev(node.c), '?: condition') ? ev(node.a) : ev(node.b);
      case 'call':
        return call(node);
      case 'method':
        return method(node);
      case 'prop': {
        const v = ev(node.target);
        if (isNum(v) || Array.isArray(v) || v.kind !== 'time')
          return fail(`.${node.name}: only timestamps have properties`);
        const d = new Date(v.ms);
        const props: Record<string, number> = {
          year: d.getUTCFullYear(),
          month: d.getUTCMonth() + 1,
          day: d.getUTCDate(),
          weekday: d.getUTCDay(),
          hour: d.getUTCHours(),
          minute: d.getUTCMinutes(),
          second: d.getUTCSeconds(),
        };
        return (
          props[node.name] ??
          fail(`.${node.name}: timestamps have year, month, day, weekday, hour, minute, second`)
        );
      }
      case 'bin':
        return binary(node.op, ev(node.a), ev(node.b));
    }
  };

  try {
    for (const s of statements) {
      const value = ev(s.expr);
      const key = known.get(lower(s.name)) ?? s.name;
      known.set(lower(s.name), key);
      vars.set(key, value);
    }
  } catch (error) {
    if (!(error instanceof StopEvaluation)) throw error;
  }
  return vars;
}

const KIND_NAMES: Record<string, string> = {
  num: 'number',
  vec: 'vector',
  str: 'string',
  time: 'timestamp',
  interval: 'time interval',
};

function binary(op: string, a: Value, b: Value): Value {
  const kindOf = (v: Value) => (isNum(v) ? 'num' : Array.isArray(v) ? 'vec' : v.kind);
  const [ka, kb] = [kindOf(a), kindOf(b)];
  if (op === '&&') return scalar(a, '&&') && scalar(b, '&&') ? 1 : 0;
  if (op === '||') return scalar(a, '||') || scalar(b, '||') ? 1 : 0;
  const msOf = (v: Value): number | undefined =>
    !isNum(v) && !Array.isArray(v) && v.kind !== 'str' ? v.ms : undefined;
  if (['==', '!=', '<', '<=', '>', '>='].includes(op)) {
    let x: number | string;
    let y: number | string;
    if (ka === 'str' && kb === 'str') [x, y] = [(a as { v: string }).v, (b as { v: string }).v];
    else if (ka === kb && (ka === 'time' || ka === 'interval'))
      [x, y] = [msOf(a) as number, msOf(b) as number];
    else [x, y] = [scalar(a, op), scalar(b, op)];
    const r =
      op === '=='
        ? x === y
        : op === '!='
          ? x !== y
          : op === '<'
            ? x < y
            : op === '<='
              ? x <= y
              : op === '>'
                ? x > y
                : x >= y;
    return r ? 1 : 0;
  }
  if (ka === 'interval' || kb === 'interval' || ka === 'time' || kb === 'time') {
    const ma = msOf(a);
    const mb = msOf(b);
    if (op === '*' && ka === 'interval' && kb !== 'interval')
      return { kind: 'interval', ms: (ma as number) * scalar(b, '*') };
    if (op === '*' && kb === 'interval' && ka !== 'interval')
      return { kind: 'interval', ms: (mb as number) * scalar(a, '*') };
    if (op === '/' && ka === 'interval' && kb === 'interval') return (ma as number) / (mb as number);
    if (op === '/' && ka === 'interval') return { kind: 'interval', ms: (ma as number) / scalar(b, '/') };
    if ((op === '+' || op === '-') && ka === 'time' && kb === 'interval')
      return {
        kind: 'time',
        ms: op === '+' ? (ma as number) + (mb as number) : (ma as number) - (mb as number),
      };
    if (op === '-' && ka === 'time' && kb === 'time')
      return { kind: 'interval', ms: (ma as number) - (mb as number) };
    if ((op === '+' || op === '-') && ka === 'interval' && kb === 'interval')
      return {
        kind: 'interval',
        ms: op === '+' ? (ma as number) + (mb as number) : (ma as number) - (mb as number),
      };
    return fail(`'${op}' is not defined between a ${KIND_NAMES[ka]} and a ${KIND_NAMES[kb]}`);
  }
  const f = (x: number, y: number): number =>
    op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : y === 0 ? fail('division by zero') : x / y;
  if (ka === 'vec' || kb === 'vec') {
    const va = Array.isArray(a) ? a : undefined;
    const vb = Array.isArray(b) ? b : undefined;
    if (va && vb)
      return va.length === vb.length
        ? va.map((x, i) => f(x, vb[i] as number))
        : fail(`'${op}' between vectors of different lengths`);
    return va ? va.map((x) => f(x, scalar(b, op))) : (vb as number[]).map((y) => f(scalar(a, op), y));
  }
  return f(scalar(a, op), scalar(b, op));
}

/** A value as Batch prints it in `autoScaleRun.results`. */
export function printValue(v: Value): string {
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return `[${v.join(',')}]`;
  if (v.kind === 'str') return v.v;
  if (v.kind === 'time') return new Date(v.ms).toISOString();
  return `${v.ms / 1000}s`;
}
