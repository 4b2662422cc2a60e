/**
 * The embedded stack's Node child processes (Azurite, the Functions host) run in their own process group
 * (`detached`), so a Ctrl-C in the user's terminal reaches only the parent, which tears down in order. Each
 * still dies with its parent: its stdin is a pipe from the parent and a preloaded guard exits when that pipe
 * closes (the parent exited or was killed), and the parent kills their groups when it exits. Step processes of
 * the emulators' process mode are detached too (common/executor.ts) and killed with the parent the same way.
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';

/** Node options that make a child exit when its stdin (a pipe from its parent) closes. */
export const EXIT_WITH_PARENT: readonly string[] = [
  '--import',
  "data:text/javascript,process.stdin.on('end',()=>process.exit(0));process.stdin.on('error',()=>process.exit(0));process.stdin.resume();",
];

/** Spawn options of a guarded child: its own process group, stdin a pipe from this process. */
export function guardedSpawnOptions(stdout: 'pipe' | 'ignore', stderr: 'pipe' | 'ignore'): SpawnOptions {
  return { detached: true, stdio: ['pipe', stdout, stderr] };
}

/** SIGKILLs a child's whole process group (the child and anything it started); quiet if already gone. */
export function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
      return;
    } catch {
      // not a group leader, or already gone
    }
  }
}

const guarded = new Set<number>();
const killGuarded = () => {
  for (const pid of guarded) killGroup(pid);
};

/**
 * Kills the child's process group when this process exits, however it exits short of SIGKILL (a normal end,
 * `process.exit`, an uncaught exception): one `exit` listener for every guarded child.
 */
export function killWithThisProcess(child: ChildProcess): void {
  if (child.pid === undefined) return;
  const pid = child.pid;
  if (guarded.size === 0) process.once('exit', killGuarded);
  guarded.add(pid);
  child.once('exit', () => {
    child.stdin?.destroy();
    guarded.delete(pid);
    if (guarded.size === 0) process.off('exit', killGuarded);
  });
}
