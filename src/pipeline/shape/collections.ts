/** Composite shapes: lists, maps, objects with known keys, unions by JSON type, named definitions. */
import { didYouMean } from '../suggest';
import { annotations, type Common, isPlainObject, quote, type Shape, typeIssue } from './core';

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
  /** Never repeat a wrongly typed value (a secrets map given as a string may be the secret). */
  readonly sensitive?: boolean;
  /** At most this many entries. */
  readonly maxEntries?: number;
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
        issues.push(typeIssue(options, expected, input, path, options.sensitive));
        return false;
      }
      const entries = Object.entries(input);
      if (options.maxEntries !== undefined && entries.length > options.maxEntries) {
        issues.push({
          path,
          message: `has ${entries.length} entries; at most ${options.maxEntries} are allowed`,
          at: 'value',
        });
        return false;
      }
      let ok = true;
      for (const [key, element] of entries) {
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
      ...(options.maxEntries === undefined ? {} : { maxProperties: options.maxEntries }),
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
  /** Allow and ignore `x-*` keys (a home for YAML anchors, as in docker-compose). */
  readonly extensions?: boolean;
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
        if (options.extensions && key.startsWith('x-')) continue;
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
      ...(options.extensions
        ? { patternProperties: { '^x-': { description: 'Ignored: a place for YAML anchors.' } } }
        : {}),
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
