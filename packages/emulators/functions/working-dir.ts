/**
 * The app's working directory (docs/functions-host.md, 'Working directory'): the Node worker runs app code
 * with the app folder as its cwd, so `fs.readFileSync('./x')` reads from the app. The host runs in-process, so
 * it changes the process's cwd while at least one host runs and puts the original back when the last stops.
 */
import * as path from 'node:path';

const key = Symbol.for('flotilla.functions-host.cwd');
interface CwdState {
  original: string;
  holders: number;
}

function state(): CwdState {
  const holder = globalThis as unknown as Record<symbol, CwdState>;
  return (holder[key] ??= { original: process.cwd(), holders: 0 });
}

/** Enters the app folder; the returned function leaves it (idempotent). */
export function enterAppDir(appDir: string): () => void {
  const s = state();
  if (s.holders === 0) s.original = process.cwd();
  s.holders++;
  process.chdir(path.resolve(appDir));
  let left = false;
  return () => {
    if (left) return;
    left = true;
    s.holders--;
    if (s.holders === 0) process.chdir(s.original);
  };
}
