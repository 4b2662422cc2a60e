/** Types of scripts/images/build.js (plain Node, run without a build step). */
export interface BuildOptions {
  engine: string | undefined;
  base: string | undefined;
  force: boolean;
  only: string[];
  stagerTags: string[];
}
export function parseArgs(argv: readonly string[]): BuildOptions;
export function buildImages(
  options: BuildOptions,
  log?: (line: string) => void,
): { engine: string; base: string; built: Array<Record<string, unknown>> };
export function withBuildLock<T>(fn: () => T, timeoutMs?: number): T;
