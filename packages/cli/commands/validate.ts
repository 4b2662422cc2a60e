/**
 * `flotilla validate <file...>`: checks pipeline specs. Valid files print `<file>: OK (...)` on stdout;
 * every problem prints as `<file>:<line>:<col>: <path>: <message>` on stderr. Exit code 0 when all
 * files are valid, else 1. `--json` prints one JSON report on stdout instead.
 */
import { existsSync } from 'node:fs';
import { type Command } from 'commander';
import { glob } from 'tinyglobby';
import { type ParseResult, type SpecError } from '../../../src/pipeline';
import { loadPipelineFile, PipelineFileError } from '../../../src/pipeline/load-file';
import type { CommandModule } from '../main';
import { addOutputOption, formatOf } from '../output';

export interface Output {
  out(line: string): void;
  err(line: string): void;
}
const processOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

interface FileReport {
  readonly file: string;
  readonly ok: boolean;
  readonly errors: readonly SpecError[];
  readonly summary?: string;
}

export const validateCommand: CommandModule = (program: Command, setExitCode) => {
  const command = program
    .command('validate')
    .description(
      'check pipeline spec files (YAML or JSON); print every problem as file:line:col: path: message',
    )
    .argument(
      '<file...>',
      'pipeline files; quoted glob patterns (e.g. "samples/**/pipeline.*") are expanded',
    );
  addOutputOption(command).action(async (files: string[], options: { json?: boolean; output?: string }) => {
    setExitCode(await validateFiles(files, { json: formatOf(options) === 'json' }));
  });
};

export async function validateFiles(
  patterns: readonly string[],
  options: { json?: boolean } = {},
  output: Output = processOutput,
): Promise<number> {
  const reports: FileReport[] = [];
  for (const entry of await expand(patterns))
    reports.push(typeof entry === 'string' ? await validateOne(entry) : entry);
  if (options.json) {
    output.out(JSON.stringify({ ok: reports.every((r) => r.ok), files: reports }, null, 2));
  } else {
    for (const report of reports) {
      if (report.ok) output.out(`${report.file}: OK (${report.summary ?? ''})`);
      for (const error of report.errors) output.err(formatError(report.file, error));
    }
    const failed = reports.filter((r) => !r.ok);
    if (failed.length > 0) {
      const count = failed.reduce((sum, r) => sum + r.errors.length, 0);
      output.err(
        `flotilla validate: ${count} problem${count === 1 ? '' : 's'} in ${failed.length} of ${reports.length} file${reports.length === 1 ? '' : 's'}`,
      );
    }
  }
  return reports.every((r) => r.ok) ? 0 : 1;
}

/** `file:line:col: path: message`, leaving out what is unknown (`file: message` for a whole-file problem). */
export function formatError(file: string, error: SpecError): string {
  const where = error.line === undefined ? file : `${file}:${error.line}:${error.column ?? 1}`;
  return error.path ? `${where}: ${error.path}: ${error.message}` : `${where}: ${error.message}`;
}

async function validateOne(file: string): Promise<FileReport> {
  let result: ParseResult;
  try {
    result = await loadPipelineFile(file);
  } catch (error) {
    if (!(error instanceof PipelineFileError)) throw error;
    return { file, ok: false, errors: [{ path: '', message: error.message }] };
  }
  if (!result.ok) return { file, ok: false, errors: result.errors };
  const { spec } = result;
  const steps = `${spec.steps.length} step${spec.steps.length === 1 ? '' : 's'}`;
  return {
    file,
    ok: true,
    errors: [],
    summary: `${spec.name}: ${steps}${spec.finalize ? ' + finalize' : ''}`,
  };
}

/** Files as given; an argument that is not a file but has glob characters is expanded (sorted). */
async function expand(patterns: readonly string[]): Promise<(string | FileReport)[]> {
  const entries: (string | FileReport)[] = [];
  for (const pattern of patterns) {
    if (existsSync(pattern) || !/[*?[\]{}]/.test(pattern)) {
      entries.push(pattern);
      continue;
    }
    const matches = (await glob(pattern, { onlyFiles: true, expandDirectories: false })).sort();
    if (matches.length > 0) entries.push(...matches);
    else
      entries.push({
        file: pattern,
        ok: false,
        errors: [{ path: '', message: 'no files match this pattern' }],
      });
  }
  return entries;
}
