/**
 * `flotilla host`: runs a Functions v4 app folder (compiled JS) in the embedded host, like `func start`:
 * prints the functions and their URLs, serves on 127.0.0.1, stops cleanly on Ctrl-C / SIGTERM.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { startHost, type FunctionInfo, type Host } from '../../emulators/functions';
import { readLocalSettings } from '../../emulators/functions/app-config';
import { trustCertificate } from '../../emulators/stack/tls';
import type { CommandModule } from '../main';
import { addOutputOption, formatOf } from '../output';

export interface HostOptions {
  readonly app: string;
  readonly port: number;
  readonly state: string;
  readonly key?: string;
  readonly masterKey?: string;
  readonly quiet?: boolean;
  readonly json?: boolean;
  readonly output?: string;
}

export const hostCommand: CommandModule = (program: Command, setExitCode) => {
  const command = program
    .command('host')
    .description('run a Functions v4 Node app folder (compiled JS) locally, like `func start`')
    .option('--app <dir>', 'the app folder (its package.json "main" names the entry files)', '.')
    .option('--port <n>', 'port on 127.0.0.1', port, 7071)
    .option('--state <dir>', 'folder for durable state and blob receipts (default: <app>/.flotilla/host)')
    .option('--key <key>', 'the default function key (default: generated)')
    .option('--master-key <key>', 'the master key (default: generated)')
    .option('--quiet', 'print only warnings and errors (no information-level invocation logs)');
  addOutputOption(command).action(async (options: HostOptions) => {
    setExitCode(await runHost(options));
  });
};

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError(`expected a port from 0 to 65535, got ${JSON.stringify(value)}`);
  }
  return n;
}

/**
 * `func start` starts the worker with local.settings.json in its environment, so NODE_EXTRA_CA_CERTS there
 * takes effect; this host loads the app in its own process, where Node read that variable at start-up.
 * Trust the file's certificate here instead (e.g. the stack's, from `flotilla emulators --write-settings`).
 */
function trustSettingsCertificate(appDir: string): void {
  const file = readLocalSettings(appDir).NODE_EXTRA_CA_CERTS;
  if (!file || file === process.env.NODE_EXTRA_CA_CERTS) return;
  if (!existsSync(file)) {
    process.stderr.write(
      `flotilla host: NODE_EXTRA_CA_CERTS in local.settings.json names ${file}, which is missing\n`,
    );
    return;
  }
  trustCertificate(readFileSync(file, 'utf8'));
}

export async function runHost(options: HostOptions): Promise<number> {
  const appDir = resolve(options.app);
  let host: Host;
  try {
    trustSettingsCertificate(appDir);
    host = await startHost({
      appDir,
      port: options.port,
      stateDir: resolve(options.state ?? resolve(appDir, '.flotilla/host')),
      keys: {
        ...(options.key ? { default: options.key } : {}),
        ...(options.masterKey ? { master: options.masterKey } : {}),
      },
      log: (line) => {
        if (!options.quiet || /^\[(warning|error|critical)\]/.test(line)) process.stderr.write(`${line}\n`);
      },
    });
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    const message =
      err.code === 'EADDRINUSE'
        ? `port ${options.port} on 127.0.0.1 is in use: pass another with --port`
        : err.message;
    process.stderr.write(`flotilla host: ${message}\n`);
    return 1;
  }
  // JSON: one line with the URL and the functions (the keys are the ones given or in the banner only).
  if (formatOf(options) === 'json')
    process.stdout.write(`${JSON.stringify({ url: host.url, functions: host.functions })}\n`);
  else process.stdout.write(banner(host));
  const signal = await untilSignal();
  process.stderr.write(`flotilla host: ${signal}, stopping\n`);
  await host.stop();
  return 0;
}

export function banner(host: Host): string {
  const lines = ['', 'Functions:', ''];
  for (const fn of host.functions) lines.push(`  ${describe(fn)}`);
  lines.push('');
  if (host.functions.some((fn) => fn.authLevel && fn.authLevel.toLowerCase() !== 'anonymous')) {
    lines.push('Keys (send as the x-functions-key header or ?code=):');
    lines.push(`  default (authLevel function): ${host.keys.default}`);
    lines.push(`  master  (authLevel admin):    ${host.keys.master}`, '');
  }
  if (host.functions.some((fn) => fn.trigger.toLowerCase() === 'orchestrationtrigger')) {
    lines.push('Durable management API (/runtime/webhooks/durabletask, ?code= or x-functions-key):');
    lines.push(`  durabletask_extension (system key): ${host.keys.durableTask}`, '');
  }
  lines.push(`Host listening on ${host.url} (Ctrl-C to stop)`, '');
  return lines.join('\n');
}

function describe(fn: FunctionInfo): string {
  if (fn.url) return `${fn.name}: [${fn.methods?.length ? fn.methods.join(',') : 'ALL'}] ${fn.url}`;
  return `${fn.name}: ${fn.trigger}`;
}

function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolveSignal) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolveSignal(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
