/** Scalar shapes: strings (patterns, enums, rules), numbers (ranges), booleans. */
import { didYouMean } from '../suggest';
import { annotations, type Common, quote, type Shape, typeIssue } from './core';

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
