/**
 * parsePipeline: text (YAML or JSON) -> a normalised PipelineSpec, or every problem at once, each
 * with its path, a human message and (whenever the text has it) a line and column. Pure: no I/O.
 */
import { LineCounter, parseDocument, type Document } from 'yaml';
import { checkEnvSecretClash, checkSemantics } from './checks';
import { normalise } from './normalise';
import { findJsonSyntaxError } from './json-syntax';
import { locate } from './positions';
import { type Issue, pathText } from './shape';
import { pipelineShape, type RawPipeline } from './spec-shape';
import type { ParseResult, SpecError } from './types';

export interface ParseOptions {
  /** Used to pick the format (`.json` -> json) and nothing else. */
  readonly fileName?: string;
  /** Default: from the file name; YAML otherwise (JSON is YAML, so either parses). */
  readonly format?: 'yaml' | 'json';
}

export function parsePipeline(text: string, options: ParseOptions = {}): ParseResult {
  const lines = new LineCounter();
  const format = options.format ?? (options.fileName?.toLowerCase().endsWith('.json') ? 'json' : 'yaml');
  const syntax = format === 'json' ? jsonSyntaxError(text) : undefined;
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true, merge: true });
  if (syntax) return { ok: false, errors: [syntax] };
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((error) => ({
        path: '',
        message: `${format === 'json' ? 'JSON' : 'YAML'} syntax: ${
          error.code === 'MULTIPLE_DOCS'
            ? 'the file holds more than one YAML document (a second "---"); a pipeline file holds one'
            : firstLine(error.message)
        }`,
        ...(error.linePos ? { line: error.linePos[0].line, column: error.linePos[0].col } : {}),
      })),
    };
  }
  if (doc.contents === null) {
    return {
      ok: false,
      errors: [
        {
          path: '',
          message: 'the file is empty; a pipeline needs at least name, inputs, outputs and steps',
          line: 1,
          column: 1,
        },
      ],
    };
  }
  const value: unknown = doc.toJS({ maxAliasCount: 1000 });
  const issues: Issue[] = [];
  const shaped = pipelineShape.check(value, [], issues);
  issues.push(...checkSemantics(value), ...checkEnvSecretClash(value));
  if (shaped && issues.length === 0) return { ok: true, spec: normalise(value as RawPipeline) };
  return { ok: false, errors: sortErrors(dedupe(issues).map((issue) => toSpecError(doc, lines, issue))) };
}

function toSpecError(doc: Document, lines: LineCounter, issue: Issue): SpecError {
  const position = locate(doc, lines, issue);
  return { path: pathText(issue.path), message: issue.message, ...(position ?? {}) };
}

function dedupe(issues: readonly Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${pathText(issue.path)}\u0000${issue.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/** By line, then column; errors without a position last; otherwise in the order found. */
export function sortErrors(errors: readonly SpecError[]): SpecError[] {
  const rank = (e: SpecError) => [e.line ?? Infinity, e.column ?? Infinity];
  return errors
    .map((error, index) => ({ error, index }))
    .sort((a, b) => {
      const [la = 0, ca = 0] = rank(a.error);
      const [lb = 0, cb = 0] = rank(b.error);
      return la - lb || ca - cb || a.index - b.index;
    })
    .map(({ error }) => error);
}

/** YAML accepts things JSON does not (comments, single quotes, trailing commas); a .json file must be JSON. */
function jsonSyntaxError(text: string): SpecError | undefined {
  const found = findJsonSyntaxError(text);
  if (found === undefined) return undefined;
  const before = text.slice(0, found.offset).split('\n');
  const line = before.length;
  const column = (before[before.length - 1]?.length ?? 0) + 1;
  return { path: '', message: `JSON syntax: ${found.message}`, line, column };
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}
