import { parsePipeline, type PipelineSpec, type SpecError } from '../../../src/pipeline';

/** Strips the common indentation of a template literal, so specs can be written inline. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = strings.reduce(
    (out, part, i) => out + part + (i < values.length ? String(values[i]) : ''),
    '',
  );
  const lines = text
    .replace(/^\n/, '')
    .replace(/\n\s*$/, '\n')
    .split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)?.[0].length ?? 0));
  return lines.map((l) => l.slice(indent)).join('\n');
}

/** A valid spec head; append step lines (indented by 2) to build a case. */
export const HEAD = yaml`
  name: demo
  inputs: { container: images, prefix: in/ }
  outputs: { container: results }
`;

/** A valid one-step spec, with optional extra lines for the step. */
export function oneStep(...extra: string[]): string {
  return (
    HEAD +
    [
      'steps:',
      '  - id: tile',
      '    image: reg.azurecr.io/neo:1.4',
      '    command: ["neo", "tile"]',
      ...extra.map((l) => `    ${l}`),
    ].join('\n') +
    '\n'
  );
}

export function specOf(text: string, fileName?: string): PipelineSpec {
  const result = parsePipeline(text, fileName === undefined ? {} : { fileName });
  if (!result.ok) throw new Error(`expected a valid spec, got:\n${result.errors.map(show).join('\n')}`);
  return result.spec;
}

export function errorsOf(text: string, fileName?: string): SpecError[] {
  const result = parsePipeline(text, fileName === undefined ? {} : { fileName });
  if (result.ok) throw new Error('expected errors, but the spec is valid');
  return [...result.errors];
}

/** The one error at `path` (fails with the full list when there is none or more than one). */
export function errorAt(errors: readonly SpecError[], path: string): SpecError {
  const found = errors.filter((e) => e.path === path);
  if (found.length !== 1) {
    throw new Error(
      `expected one error at ${path}, found ${found.length} in:\n${errors.map(show).join('\n')}`,
    );
  }
  return found[0]!;
}

/** 1-based line of the first line containing `needle`. */
export function lineOf(text: string, needle: string, from = 0): number {
  const index = text.indexOf(needle, from);
  if (index < 0) throw new Error(`"${needle}" not in the text`);
  return text.slice(0, index).split('\n').length;
}

/** 1-based column of `needle` on its line. */
export function columnOf(text: string, needle: string): number {
  const index = text.indexOf(needle);
  return index - text.lastIndexOf('\n', index - 1);
}

export function show(e: SpecError): string {
  return `${e.line ?? '?'}:${e.column ?? '?'} ${e.path}: ${e.message}`;
}
