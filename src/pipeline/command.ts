/** Command forms: the spec's exec list or shell string, and the one-line form `/bin/sh -c` needs. */

/** A spec command as argv: a string runs under /bin/sh -c. */
export function toArgv(command: string | readonly string[]): string[] {
  return typeof command === 'string' ? ['/bin/sh', '-c', command] : [...command];
}

/**
 * One POSIX shell line that runs `argv` exactly (each argument single-quoted when needed). A
 * `/bin/sh -c <script>` argv gives back the script itself, so shell-form commands stay readable.
 */
export function toShellLine(argv: readonly string[]): string {
  if (argv.length === 3 && argv[0] === '/bin/sh' && argv[1] === '-c') return argv[2] ?? '';
  return argv.map(shellQuote).join(' ');
}

export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
