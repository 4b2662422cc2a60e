/**
 * Batch does not run a task's command line through a shell (docs/emulators-batch.md, 'Command lines'): on
 * Linux it splits it into argv on whitespace, honouring single and double quotes and backslash escapes, and
 * execs the first word. `date && hostname` therefore runs `date` with the arguments `&&` and `hostname`.
 */
export function splitCommandLine(commandLine: string): string[] {
  const args: string[] = [];
  let current = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < commandLine.length; i += 1) {
    const c = commandLine[i] ?? '';
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else current += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && /["\\$`]/.test(commandLine[i + 1] ?? '')) current += commandLine[++i];
      else current += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < commandLine.length) {
      current += commandLine[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) args.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote in the command line`);
  if (inWord) args.push(current);
  return args;
}

export interface BindMount {
  readonly hostPath: string;
  readonly containerPath: string;
}

/**
 * The bind mounts among `docker create` options: `-v host:container[:opts]`, `--volume[=]...` and
 * `--mount type=bind,source=...,target=...`. Other options are ignored, as they change nothing here.
 */
export function parseBindMounts(containerRunOptions: string): BindMount[] {
  const words = splitCommandLine(containerRunOptions);
  const mounts: BindMount[] = [];
  const addVolume = (spec: string) => {
    const [hostPath, containerPath] = spec.split(':');
    if (hostPath?.startsWith('/') && containerPath?.startsWith('/')) mounts.push({ hostPath, containerPath });
  };
  for (let i = 0; i < words.length; i += 1) {
    const w = words[i] ?? '';
    if (w === '-v' || w === '--volume') addVolume(words[++i] ?? '');
    else if (w.startsWith('--volume=')) addVolume(w.slice('--volume='.length));
    else if (w.startsWith('-v') && w.length > 2) addVolume(w.slice(2));
    else if (w === '--mount' || w.startsWith('--mount=')) {
      const spec = w === '--mount' ? (words[++i] ?? '') : w.slice('--mount='.length);
      const kv = Object.fromEntries(spec.split(',').map((p) => p.split('=') as [string, string]));
      const source = kv.source ?? kv.src;
      const target = kv.target ?? kv.destination ?? kv.dst;
      if ((kv.type ?? 'volume') === 'bind' && source && target)
        mounts.push({ hostPath: source, containerPath: target });
    }
  }
  return mounts;
}

const UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/**
 * The memory limit among `docker create` options (`-m`/`--memory[=]<n>[b|k|m|g]`), in bytes, as the engine
 * on a Batch node enforces it; undefined when none is given or it does not parse.
 */
export function parseMemoryLimit(containerRunOptions: string): number | undefined {
  const words = splitCommandLine(containerRunOptions);
  let value: string | undefined;
  for (let i = 0; i < words.length; i += 1) {
    const w = words[i] ?? '';
    if (w === '-m' || w === '--memory') value = words[++i];
    else if (w.startsWith('--memory=')) value = w.slice('--memory='.length);
  }
  const match = /^(\d+(?:\.\d+)?)([bkmg]?)$/i.exec(value ?? '');
  if (!match) return undefined;
  const bytes = Number(match[1]) * (UNITS[(match[2] ?? '').toLowerCase()] ?? 1);
  return bytes > 0 ? Math.round(bytes) : undefined;
}

const DURATION =
  /^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** ISO 8601 duration (as the SDK serializes TimeSpan) in milliseconds, or undefined if it is not one. */
export function parseDuration(value: string): number | undefined {
  const m = DURATION.exec(value);
  if (!m || value === 'P' || value.endsWith('T')) return undefined;
  const n = (i: number) => Number(m[i] ?? 0);
  const days = n(1) * 365 + n(2) * 30 + n(3) * 7 + n(4);
  return Math.round((((days * 24 + n(5)) * 60 + n(6)) * 60 + n(7)) * 1000);
}

/** What Batch echoes for "no limit" (TimeSpan.MaxValue). */
export const UNLIMITED_DURATION = 'P10675199DT2H48M5.4775807S';
