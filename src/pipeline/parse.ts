/**
 * parsePipeline: text (YAML or JSON) -> a normalised PipelineSpec, or every problem at once, each
 * with its path, a human message and (whenever the text has it) a line and column. Pure: no I/O.
 */
import { LineCounter, parseDocument, type Document } from 'yaml';
import { checkEnvSecretClash, checkSemantics } from './checks';
import { INPUT_LIMITS } from './limits';
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

/** The nesting depth of a plain value (objects and arrays), counted without recursion. */
export function nestingDepth(value: unknown, stopAt = Infinity): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    const here = depth + 1;
    if (here > deepest) deepest = here;
    if (deepest > stopAt) return deepest;
    for (const child of Object.values(node)) stack.push([child, here]);
  }
  return deepest;
}

/** Flow-collection brackets open at once in the text, a cheap upper bound checked before YAML parses it. */
function bracketDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if ((c === 0x5d || c === 0x7d) && depth > 0) depth -= 1;
  }
  return deepest;
}

const tooDeep = (): SpecError => ({
  path: '',
  message: `the spec is nested more than ${INPUT_LIMITS.maxDepth} levels deep (limit maxDepth=${INPUT_LIMITS.maxDepth})`,
});

/** Size, depth and alias limits (INPUT_LIMITS), checked before and while the text becomes a value. */
function limitError(text: string): SpecError | undefined {
  const bytes = Buffer.byteLength(text);
  if (bytes > INPUT_LIMITS.specMaxBytes)
    return {
      path: '',
      message: `the spec is ${bytes} bytes; at most ${INPUT_LIMITS.specMaxBytes} bytes are allowed (limit specMaxBytes)`,
    };
  // Quoted brackets count too: a false alarm needs a spec with more than maxDepth*4 brackets open at once.
  if (bracketDepth(text) > INPUT_LIMITS.maxDepth * 4) return tooDeep();
  return undefined;
}

export function parsePipeline(text: string, options: ParseOptions = {}): ParseResult {
  const limit = limitError(text);
  if (limit) return { ok: false, errors: [limit] };
  const lines = new LineCounter();
  const format = options.format ?? (options.fileName?.toLowerCase().endsWith('.json') ? 'json' : 'yaml');
  const syntax = format === 'json' ? jsonSyntaxError(text) : undefined;
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true, merge: true });
  } catch (error) {
    // Block collections nested thousands deep on one line (`- - - - …`) exhaust the parser's stack.
    if (error instanceof RangeError) return { ok: false, errors: [tooDeep()] };
    throw error;
  }
  if (syntax) return { ok: false, errors: [syntax] };
  // The parser reports its own stack exhaustion (block collections nested thousands deep) as a syntax error.
  if (doc.errors.some((e) => /maximum call stack/i.test(e.message)))
    return { ok: false, errors: [tooDeep()] };
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
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: INPUT_LIMITS.maxAliases });
  } catch (error) {
    if (error instanceof RangeError) return { ok: false, errors: [tooDeep()] };
    if (!(error instanceof ReferenceError)) throw error;
    return {
      ok: false,
      errors: [
        {
          path: '',
          message: `YAML aliases: ${firstLine(error.message)}; a spec may resolve at most ${INPUT_LIMITS.maxAliases} aliases (limit maxAliases)`,
        },
      ],
    };
  }
  if (nestingDepth(value, INPUT_LIMITS.maxDepth) > INPUT_LIMITS.maxDepth)
    return { ok: false, errors: [tooDeep()] };
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
