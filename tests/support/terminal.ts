/**
 * A pseudo-terminal for CLI tests: a detached tmux session (on its own server socket, so no other tmux is
 * touched) running one command, keys sent as a user types them, the screen read back, and the processes
 * started in it found through /proc.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export class Terminal {
  private constructor(
    private readonly socket: string,
    readonly session: string,
  ) {}

  /** Starts `command` (a shell command line) in a new session (120x40 by default); the pane stays after it exits. */
  static open(name: string, command: string, size = { columns: 120, rows: 40 }): Terminal {
    const term = new Terminal(`flotilla-test-${process.pid}-${name}`, name);
    const [x, y] = [String(size.columns), String(size.rows)];
    term.tmux('-f', '/dev/null', 'new-session', '-d', '-s', name, '-x', x, '-y', y, command);
    term.tmux('set-option', '-t', name, 'remain-on-exit', 'on');
    return term;
  }

  /** `tmux send-keys`, e.g. `C-c`. */
  sendKeys(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.session, ...keys);
  }

  /** The screen and its scroll-back, as text. */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-J', '-S', '-2000', '-t', this.session);
  }

  /** The pid of the pane's first process (the shell running the command). */
  panePid(): number {
    return Number(this.tmux('display-message', '-p', '-t', this.session, '#{pane_pid}').trim());
  }

  close(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }
}

export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly command: string;
}

function readProcess(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state ppid pgrp ...
    const [state, ppid, pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state === 'Z') return undefined;
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return { pid, ppid: Number(ppid), pgid: Number(pgid), command };
  } catch {
    return undefined;
  }
}

/** Every live (non-zombie) process below `root`, at this moment. */
export function descendants(root: number): ProcessInfo[] {
  const all = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProcess(Number(name)))
    .filter((p): p is ProcessInfo => p !== undefined);
  const out: ProcessInfo[] = [];
  const parents = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) {
      if (parents.has(p.ppid) && !parents.has(p.pid)) {
        parents.add(p.pid);
        out.push(p);
        grew = true;
      }
    }
  }
  return out;
}

/** True while the process is alive (a zombie awaiting its parent counts as gone). */
export function alive(pid: number): boolean {
  return readProcess(pid) !== undefined;
}

/** True while any live process is in the process group. */
export function groupAlive(pgid: number): boolean {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .some((name) => readProcess(Number(name))?.pgid === pgid);
}
