/**
 * A small declarative schema language: one definition both validates a parsed document (with human
 * messages, "did you mean", every problem at once) and emits the JSON Schema editors use, so the two
 * cannot drift. Semantic rules that JSON Schema cannot say (cycles, backend limits) live in checks.ts.
 */
import { didYouMean } from './suggest';

export type PathSegment = string | number;
export type Path = readonly PathSegment[];

/** `at` says which part of the document the position should point to. */
export interface Issue {
  readonly path: Path;
  readonly message: string;
  /** `key`: the key itself; `value`: its value; `parent`: the object missing this key. */
  readonly at: 'key' | 'value' | 'parent';
}

export type JsonSchema = Record<string, unknown>;
export interface SchemaContext {
  readonly definitions: Record<string, JsonSchema>;
}

export interface Shape<T> {
  /** Phantom: the TypeScript type of a value that passes `check`. */
  readonly _type?: T;
  /** What is expected, for messages: "a string", "a list of step ids". */
  readonly expected: string;
  readonly description: string;
  /** Pushes every problem with `value` and returns true when it has this shape. */
  check(value: unknown, path: Path, issues: Issue[]): boolean;
  toJsonSchema(ctx: SchemaContext): JsonSchema;
}
export type Infer<S> = S extends Shape<infer T> ? T : never;

interface Common {
  readonly description: string;
  readonly expected?: string;
  readonly examples?: readonly unknown[];
  /** Extra advice when the value has the wrong JSON type (e.g. a bare number for a duration). */
  readonly typeHint?: (value: unknown) => string | undefined;
}

function annotations(options: Common, extra: { default?: unknown } = {}): JsonSchema {
  return {
    description: options.description,
    ...(extra.default === undefined ? {} : { default: extra.default }),
    ...(options.examples ? { examples: options.examples } : {}),
  };
}

/** How a value looks in a message. `sensitive` values are never repeated back. */
export function describe(value: unknown, sensitive = false): string {
  if (value === null || value === undefined) return 'nothing (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (sensitive) return `a ${typeof value}`;
  if (typeof value === 'string') return `the string ${quote(value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `${value}`;
  return `a ${typeof value}`;
}

export function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}

function typeIssue(options: Common, expected: string, value: unknown, path: Path, sensitive = false): Issue {
  let message = `expected ${expected}, got ${describe(value, sensitive)}`;
  const hint = options.typeHint?.(value);
  if (hint !== undefined) message += `; ${hint}`;
  else if ((typeof value === 'number' || typeof value === 'boolean') && expected.includes('string')) {
    message += sensitive ? '; quote it' : `; quote it: "${String(value)}"`;
  } else if (
    typeof value === 'string' &&
    expected.includes('number') &&
    value.trim() !== '' &&
    !isNaN(Number(value))
  ) {
    message += `; remove the quotes: ${value.trim()}`;
  }
  return { path, message, at: 'value' };
}

export interface StringOptions extends Common {
  readonly pattern?: string;
  /** A pattern for the JSON Schema only, when `rule` gives the better message for the same check. */
  readonly schemaPattern?: string;
  /** What is allowed, shown when the pattern does not match. */
  readonly help?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly enum?: readonly string[];
  /** A further rule on a well-formed string; returns a message or undefined. */
  readonly rule?: (text: string) => string | undefined;
  /** Never repeat the value in a message (secret references). */
  readonly sensitive?: boolean;
  readonly format?: string;
}

export function str<T extends string = string>(options: StringOptions): Shape<T> {
  const regex = options.pattern === undefined ? undefined : new RegExp(options.pattern);
  const expected = options.expected ?? 'a string';
  return {
    expected,
    description: options.description,
    check(value, path, issues) {
      if (typeof value !== 'string') {
        issues.push(typeIssue(options, expected, value, path, options.sensitive));
        return false;
      }
      const shown = options.sensitive ? 'the value' : quote(value);
      const fail = (message: string) => (issues.push({ path, message, at: 'value' }), false);
      if (options.enum && !options.enum.includes(value)) {
        return fail(
          `${shown} is not allowed; use one of: ${options.enum.join(', ')}${didYouMean(value, options.enum)}`,
        );
      }
      if (options.minLength !== undefined && value.length < options.minLength) {
        return fail(
          value.length === 0
            ? `must not be empty${options.help ? `; ${options.help}` : ''}`
            : `${shown} is too short: at least ${options.minLength} characters`,
        );
      }
      if (options.maxLength !== undefined && value.length > options.maxLength) {
        return fail(`${shown} is ${value.length} characters long; at most ${options.maxLength} are allowed`);
      }
      if (regex && !regex.test(value))
        return fail(`${shown} is not valid: ${options.help ?? options.pattern}`);
      const problem = options.rule?.(value);
      return problem === undefined ? true : fail(problem);
    },
    toJsonSchema: () => ({
      type: 'string',
      ...annotations(options),
      ...(options.enum ? { enum: options.enum } : {}),
      ...(options.pattern || options.schemaPattern
        ? { pattern: options.pattern ?? options.schemaPattern }
        : {}),
      ...(options.minLength === undefined ? {} : { minLength: options.minLength }),
      ...(options.maxLength === undefined ? {} : { maxLength: options.maxLength }),
      ...(options.format ? { format: options.format } : {}),
    }),
  };
}

export interface NumberOptions extends Common {
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
  /** Must be strictly greater than this. */
  readonly above?: number;
  readonly unit?: string;
}

export function num(options: NumberOptions): Shape<number> {
  const expected = options.expected ?? (options.integer ? 'a whole number' : 'a number');
  const unit = options.unit ? ` ${options.unit}` : '';
  return {
    expected,
    description: options.description,
    check(value, path, issues) {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        issues.push(typeIssue(options, expected, value, path));
        return false;
      }
      const fail = (message: string) => (issues.push({ path, message, at: 'value' }), false);
      if (options.integer && !Number.isInteger(value)) return fail(`${value} is not a whole number`);
      const { min, max, above } = options;
      if (above !== undefined && value <= above)
        return fail(`${value}${unit} is too small; must be more than ${above}`);
      if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
        const range =
          min !== undefined && max !== undefined
            ? `${min}..${max}`
            : min !== undefined
              ? `>= ${min}`
              : `<= ${max}`;
        return fail(`${value}${unit} is out of range; allowed: ${range}`);
      }
      return true;
    },
    toJsonSchema: () => ({
      type: options.integer ? 'integer' : 'number',
      ...annotations(options),
      ...(options.min === undefined ? {} : { minimum: options.min }),
      ...(options.max === undefined ? {} : { maximum: options.max }),
      ...(options.above === undefined ? {} : { exclusiveMinimum: options.above }),
    }),
  };
}

export function bool(options: Common): Shape<boolean> {
  const expected = options.expected ?? 'true or false';
  return {
    expected,
    description: options.description,
    check(value, path, issues) {
      if (typeof value === 'boolean') return true;
      issues.push(typeIssue(options, expected, value, path));
      return false;
    },
    toJsonSchema: () => ({ type: 'boolean', ...annotations(options) }),
  };
}

export interface ArrayOptions extends Common {
  readonly minItems?: number;
  readonly maxItems?: number;
  /** Items (strings) must not repeat. */
  readonly unique?: boolean;
}

export function arr<T>(item: Shape<T>, options: ArrayOptions): Shape<T[]> {
  const expected = options.expected ?? `a list of ${item.expected.replace(/^an? /, '')}s`;
  return {
    expected,
    description: options.description,
    check(value, path, issues) {
      if (!Array.isArray(value)) {
        issues.push(typeIssue(options, expected, value, path));
        return false;
      }
      let ok = true;
      if (options.minItems !== undefined && value.length < options.minItems) {
        issues.push({
          path,
          message: `needs at least ${options.minItems} item${options.minItems === 1 ? '' : 's'}`,
          at: 'value',
        });
        ok = false;
      }
      if (options.maxItems !== undefined && value.length > options.maxItems) {
        issues.push({
          path,
          message: `has ${value.length} items; at most ${options.maxItems} are allowed`,
          at: 'value',
        });
        ok = false;
      }
      const seen = new Set<unknown>();
      value.forEach((element, index) => {
        if (!item.check(element, [...path, index], issues)) ok = false;
        else if (options.unique && seen.has(element)) {
          issues.push({
            path: [...path, index],
            message: `${quote(String(element))} is listed twice`,
            at: 'value',
          });
          ok = false;
        }
        seen.add(element);
      });
      return ok;
    },
    toJsonSchema: (ctx) => ({
      type: 'array',
      ...annotations(options),
      items: item.toJsonSchema(ctx),
      ...(options.minItems === undefined ? {} : { minItems: options.minItems }),
      ...(options.maxItems === undefined ? {} : { maxItems: options.maxItems }),
      ...(options.unique ? { uniqueItems: true } : {}),
    }),
  };
}

export interface RecordOptions extends Common {
  /** Rule for keys: pattern (also in the JSON Schema) and a human help text. */
  readonly key: {
    readonly pattern: string;
    readonly help: string;
    readonly rule?: (key: string) => string | undefined;
  };
}

export function record<T>(value: Shape<T>, options: RecordOptions): Shape<Record<string, T>> {
  const expected = options.expected ?? 'a map';
  const keyRegex = new RegExp(options.key.pattern);
  return {
    expected,
    description: options.description,
    check(input, path, issues) {
      if (!isPlainObject(input)) {
        issues.push(typeIssue(options, expected, input, path));
        return false;
      }
      let ok = true;
      for (const [key, element] of Object.entries(input)) {
        const problem = keyRegex.test(key)
          ? options.key.rule?.(key)
          : `${quote(key)} is not a valid name: ${options.key.help}`;
        if (problem !== undefined) {
          issues.push({ path: [...path, key], message: problem, at: 'key' });
          ok = false;
        }
        if (!value.check(element, [...path, key], issues)) ok = false;
      }
      return ok;
    },
    toJsonSchema: (ctx) => ({
      type: 'object',
      ...annotations(options),
      propertyNames: { pattern: options.key.pattern },
      additionalProperties: value.toJsonSchema(ctx),
    }),
  };
}

export interface Field<T, R extends boolean> {
  readonly shape: Shape<T>;
  readonly required: R;
  readonly default?: unknown;
}
type AnyField = Field<unknown, boolean>;
type FieldType<F> = F extends Field<infer T, boolean> ? T : never;
type RequiredKeys<F> = { [K in keyof F]: F[K] extends Field<unknown, true> ? K : never }[keyof F];
export type ObjectOf<F> = { -readonly [K in RequiredKeys<F>]: FieldType<F[K]> } & {
  -readonly [K in Exclude<keyof F, RequiredKeys<F>>]?: FieldType<F[K]>;
};

export const required = <T>(shape: Shape<T>): Field<T, true> => ({ shape, required: true });
/** `shown` is the default documented in the JSON Schema; normalise.ts applies it. */
export const optional = <T>(shape: Shape<T>, shown?: unknown): Field<T, false> => ({
  shape,
  required: false,
  default: shown,
});

export interface ObjectShape<F extends Record<string, AnyField>> extends Shape<ObjectOf<F>> {
  readonly fields: F;
}

export interface ObjectOptions extends Common {
  /** Keys that are not allowed here, with the reason (e.g. finalize takes no dependsOn). */
  readonly forbidden?: Readonly<Record<string, string>>;
}

export function obj<F extends Record<string, AnyField>>(fields: F, options: ObjectOptions): ObjectShape<F> {
  const expected = options.expected ?? 'an object';
  const keys = Object.keys(fields);
  return {
    fields,
    expected,
    description: options.description,
    check(value, path, issues) {
      if (!isPlainObject(value)) {
        issues.push(typeIssue(options, expected, value, path));
        return false;
      }
      let ok = true;
      for (const [key, element] of Object.entries(value)) {
        const field = fields[key];
        if (field) {
          if (!field.shape.check(element, [...path, key], issues)) ok = false;
          continue;
        }
        const reason = options.forbidden?.[key];
        if (reason !== undefined) {
          issues.push({ path: [...path, key], message: `is not allowed here: ${reason}`, at: 'key' });
          ok = false;
          continue;
        }
        const hint = didYouMean(key, keys);
        const message = `unknown key ${quote(key)}${hint}${hint ? ' ' : '; '}allowed keys: ${keys.join(', ')}`;
        issues.push({ path: [...path, key], message, at: 'key' });
        ok = false;
      }
      for (const key of keys) {
        if (fields[key]?.required && !(key in value)) {
          issues.push({
            path: [...path, key],
            message: `is required (${fields[key].shape.expected})`,
            at: 'parent',
          });
          ok = false;
        }
      }
      return ok;
    },
    toJsonSchema: (ctx) => ({
      type: 'object',
      ...annotations(options),
      properties: Object.fromEntries(
        keys.map((key) => {
          const field = fields[key] as AnyField;
          const schema = field.shape.toJsonSchema(ctx);
          return [key, field.default === undefined ? schema : { ...schema, default: field.default }];
        }),
      ),
      required: keys.filter((key) => fields[key]?.required),
      additionalProperties: false,
    }),
  };
}

type Branches = { string?: Shape<unknown>; array?: Shape<unknown>; object?: Shape<unknown> };
type BranchType<B> = { [K in keyof B]: B[K] extends Shape<infer T> ? T : never }[keyof B];

/** A union chosen by the value's JSON type, so messages come from the one branch that applies. */
export function byType<B extends Branches>(branches: B, options: Common): Shape<BranchType<B>> {
  const list = (Object.keys(branches) as (keyof Branches)[]).flatMap((k) =>
    branches[k] ? [branches[k]] : [],
  );
  const expected = options.expected ?? list.map((b) => b.expected).join(' or ');
  return {
    expected,
    description: options.description,
    check(value, path, issues) {
      const kind =
        typeof value === 'string'
          ? 'string'
          : Array.isArray(value)
            ? 'array'
            : isPlainObject(value)
              ? 'object'
              : undefined;
      const branch = kind === undefined ? undefined : branches[kind];
      if (branch) return branch.check(value, path, issues);
      issues.push(typeIssue(options, expected, value, path));
      return false;
    },
    toJsonSchema: (ctx) => ({ ...annotations(options), oneOf: list.map((b) => b.toJsonSchema(ctx)) }),
  };
}

/** Emits `shape` once under `definitions/<name>` and refers to it with `$ref`. */
export function named<S extends Shape<unknown>>(name: string, shape: S): S {
  return {
    ...shape,
    check: (value, path, issues) => shape.check(value, path, issues),
    toJsonSchema: (ctx) => {
      if (!(name in ctx.definitions)) {
        ctx.definitions[name] = {};
        ctx.definitions[name] = shape.toJsonSchema(ctx);
      }
      return { $ref: `#/definitions/${name}` };
    },
  };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
