/** The core of the shape language: types, and the wording of values and type errors. */
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

export interface Common {
  readonly description: string;
  readonly expected?: string;
  readonly examples?: readonly unknown[];
  /** Extra advice when the value has the wrong JSON type (e.g. a bare number for a duration). */
  readonly typeHint?: (value: unknown) => string | undefined;
}

export function annotations(options: Common, extra: { default?: unknown } = {}): JsonSchema {
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

export function typeIssue(
  options: Common,
  expected: string,
  value: unknown,
  path: Path,
  sensitive = false,
): Issue {
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
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `['steps', 1, 'cpu']` -> `steps[1].cpu`; keys that are not identifiers are bracketed. */
export function pathText(path: Path): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
