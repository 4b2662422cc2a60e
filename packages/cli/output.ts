/**
 * What every command shares: `--output table|json` (`--json` is short for `--output json`), usage errors
 * that name the flag and what it allows, and the exit codes (README, "The CLI").
 */
import { type Command, Option } from 'commander';
import { ApiCallError } from './api-client';

/** Exit codes of every command (a run's own outcome codes are in run/follow.ts: 0, 1, 2, 130). */
export const EXIT = { ok: 0, failed: 1, partial: 2, usage: 64, interrupted: 130 } as const;

export type OutputFormat = 'table' | 'json';

/** A bad flag, argument or config value: the message names it and what is allowed; exit code 64. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

export function addOutputOption<T extends Command>(command: T): T {
  command.addOption(
    new Option('--output <format>', 'table (for people) or json (for scripts)')
      .choices(['table', 'json'])
      .default('table'),
  );
  command.option('--json', 'same as --output json');
  return command;
}

export function formatOf(options: { output?: string; json?: boolean }): OutputFormat {
  return options.json || options.output === 'json' ? 'json' : 'table';
}

/** Names an API field error as the flag the user typed (`status` -> `--status`) when it maps to one. */
export function apiErrorLines(
  command: string,
  error: ApiCallError,
  flags: Record<string, string> = {},
): string[] {
  const lines = [`flotilla ${command}: ${error.message}`];
  for (const d of error.details) lines.push(`  ${flags[d.path] ?? d.path}: ${d.message}`);
  return lines;
}

/** Runs a command body: API and usage errors print as one clear message and become exit codes. */
export async function guarded(
  command: string,
  body: () => Promise<number>,
  flags: Record<string, string> = {},
): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof CliUsageError) {
      process.stderr.write(`flotilla ${command}: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof ApiCallError) {
      process.stderr.write(`${apiErrorLines(command, error, flags).join('\n')}\n`);
      return EXIT.failed;
    }
    throw error;
  }
}
