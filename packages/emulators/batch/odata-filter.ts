import { errors } from './errors';

/** What a `$filter` can read: a field's kind, and a reader returning its value (dates as epoch ms). */
export type FieldKind = 'string' | 'number' | 'date';
export type FieldReader<T> = (item: T) => string | number | undefined;
export type FilterFields<T> = Readonly<Record<string, { kind: FieldKind; read: FieldReader<T> }>>;
export type Predicate<T> = (item: T) => boolean;

type Token =
  | { t: 'ident'; v: string }
  | { t: 'string'; v: string }
  | { t: 'number'; v: number }
  | { t: 'date'; v: number }
  | { t: '(' }
  | { t: ')' };

const COMPARISONS = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'] as const;
type Comparison = (typeof COMPARISONS)[number];

/**
 * Compiles the `$filter` subset in docs/emulators-batch.md, 'The $filter subset': comparisons of allowed
 * fields with literals, joined by `and` / `or` / `not` and parentheses. Anything else is a 400
 * InvalidQueryParameterValue.
 */
export function compileFilter<T>(filter: string, fields: FilterFields<T>): Predicate<T> {
  const fail = (reason: string): never => {
    throw errors.invalidQuery('$filter', filter, reason);
  };
  const tokens = tokenize(filter, fail);
  let pos = 0;
  const peek = () => tokens[pos];
  const isWord = (word: string) => {
    const tok = peek();
    return tok?.t === 'ident' && tok.v.toLowerCase() === word;
  };

  const parseOr = (): Predicate<T> => {
    let left = parseAnd();
    while (isWord('or')) {
      pos += 1;
      const a = left;
      const b = parseAnd();
      left = (item) => a(item) || b(item);
    }
    return left;
  };
  const parseAnd = (): Predicate<T> => {
    let left = parseUnary();
    while (isWord('and')) {
      pos += 1;
      const a = left;
      const b = parseUnary();
      left = (item) => a(item) && b(item);
    }
    return left;
  };
  const parseUnary = (): Predicate<T> => {
    if (isWord('not')) {
      pos += 1;
      const inner = parseUnary();
      return (item) => !inner(item);
    }
    const tok = peek();
    if (tok?.t === '(') {
      pos += 1;
      const inner = parseOr();
      if (peek()?.t !== ')') fail('a closing parenthesis is missing');
      pos += 1;
      return inner;
    }
    return parseComparison();
  };
  const parseComparison = (): Predicate<T> => {
    const fieldTok = tokens[pos++];
    if (fieldTok?.t !== 'ident') return fail('expected a property name');
    const field = fields[fieldTok.v];
    if (!field) {
      return fail(
        `the property '${fieldTok.v}' cannot be filtered on; supported: ${Object.keys(fields).join(', ')}`,
      );
    }
    const opTok = tokens[pos++];
    const op = opTok?.t === 'ident' ? (opTok.v.toLowerCase() as Comparison) : undefined;
    if (!op || !COMPARISONS.includes(op))
      return fail(`expected one of ${COMPARISONS.join(', ')} after '${fieldTok.v}'`);
    const lit = tokens[pos++];
    let value: string | number;
    if (field.kind === 'string' && lit?.t === 'string') value = lit.v;
    else if (field.kind === 'number' && lit?.t === 'number') value = lit.v;
    else if (field.kind === 'date' && (lit?.t === 'date' || lit?.t === 'string')) {
      value = lit.t === 'date' ? lit.v : Date.parse(lit.v);
      if (Number.isNaN(value)) return fail(`'${String(lit.v)}' is not a date`);
    } else return fail(`'${fieldTok.v}' must be compared with a ${field.kind} literal`);
    if (field.kind === 'string' && op !== 'eq' && op !== 'ne')
      return fail(`'${fieldTok.v}' supports eq and ne only`);
    const read = field.read;
    const caseless = field.kind === 'string';
    const right = caseless ? String(value).toLowerCase() : value;
    return (item) => {
      const raw = read(item);
      if (raw === undefined) return op === 'ne';
      const left = caseless ? String(raw).toLowerCase() : raw;
      switch (op) {
        case 'eq':
          return left === right;
        case 'ne':
          return left !== right;
        case 'gt':
          return left > right;
        case 'ge':
          return left >= right;
        case 'lt':
          return left < right;
        case 'le':
          return left <= right;
      }
    };
  };

  const predicate = parseOr();
  if (pos !== tokens.length) fail('unexpected text after the end of the expression');
  return predicate;
}

function tokenize(text: string, fail: (reason: string) => never): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '(' || c === ')') {
      tokens.push({ t: c });
      i += 1;
    } else if (c === "'") {
      const [value, next] = readQuoted(text, i, fail);
      tokens.push({ t: 'string', v: value });
      i = next;
    } else if (/[-0-9]/.test(c)) {
      const m = /^-?\d+(\.\d+)?/.exec(text.slice(i));
      if (!m) fail(`unexpected '${c}' at position ${i}`);
      tokens.push({ t: 'number', v: Number(m?.[0]) });
      i += m?.[0].length ?? 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*/.exec(text.slice(i));
      const word = m?.[0] ?? c;
      i += word.length;
      if (word.toLowerCase() === 'datetime' && text[i] === "'") {
        const [value, next] = readQuoted(text, i, fail);
        const ms = Date.parse(value);
        if (Number.isNaN(ms)) fail(`datetime'${value}' is not a date`);
        tokens.push({ t: 'date', v: ms });
        i = next;
      } else tokens.push({ t: 'ident', v: word });
    } else fail(`unexpected '${c}' at position ${i}`);
  }
  return tokens;
}

function readQuoted(text: string, start: number, fail: (reason: string) => never): [string, number] {
  let value = '';
  let i = start + 1;
  for (;;) {
    if (i >= text.length) fail('a string literal is not closed');
    if (text[i] === "'") {
      if (text[i + 1] === "'") {
        value += "'";
        i += 2;
        continue;
      }
      return [value, i + 1];
    }
    value += text[i];
    i += 1;
  }
}
