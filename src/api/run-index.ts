/**
 * The run index: one empty-ish blob per run in `flotilla-state/runs/`, named so that a plain listing is
 * newest first and carries the pipeline: `runs/<inverted ms>_<runId>_<pipeline>.json`.
 */
const MAX_MS = 9_999_999_999_999;
export const RUN_INDEX_PREFIX = 'runs/';

export function runIndexName(runId: string, pipeline: string, createdMs: number): string {
  const inverted = String(MAX_MS - createdMs).padStart(13, '0');
  return `${RUN_INDEX_PREFIX}${inverted}_${runId}_${pipeline}.json`;
}

export interface RunIndexEntry {
  readonly runId: string;
  readonly pipeline: string;
  readonly createdAt: string;
}

export function parseRunIndexName(name: string): RunIndexEntry | undefined {
  const match = /^runs\/(\d{13})_(r-[a-z0-9]+)_([a-z0-9-]+)\.json$/.exec(name);
  if (!match) return undefined;
  return {
    runId: match[2] ?? '',
    pipeline: match[3] ?? '',
    createdAt: new Date(MAX_MS - Number(match[1])).toISOString(),
  };
}
