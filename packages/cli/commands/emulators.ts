/**
 * `flotilla emulators`: starts the embedded stack (Azurite, managed identity, ACI and Batch emulators) in the
 * foreground and prints every setting a flotilla app needs against it (the stack's, plus the callback URL of a
 * host on --host-port, a fresh callback secret and the task hub), as `KEY=value` lines (or `--output json`) on
 * stdout. `--write-settings <file>` writes them instead (mode 0600): a `*.json` file as local.settings.json
 * (`{"IsEncrypted":false,"Values":{...}}`, what `flotilla host` and `func start` read from the app folder), any
 * other name as an env file (`KEY=value` lines, shell-quoted: `set -a; . file`). Ctrl-C or SIGTERM stops it.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { appEnvironment, formatSettings, type Stack, startStack } from '../../emulators/stack';
import type { CommandModule } from '../main';
import { addOutputOption, formatOf } from '../output';

export interface EmulatorsOptions {
  readonly state: string;
  readonly portBase?: number;
  readonly faults?: string;
  readonly simulate?: boolean;
  readonly json?: boolean;
  readonly output?: string;
  readonly writeSettings?: string;
  readonly hostPort: number;
}

export const emulatorsCommand: CommandModule = (program: Command, setExitCode) => {
  const command = program
    .command('emulators')
    .description(
      'run Azurite, the managed-identity endpoint and the ACI and Batch emulators in the foreground',
    )
    .option(
      '--state <dir>',
      'folder for the certificate, blob data and step work folders',
      '.flotilla/emulators',
    )
    .option(
      '--port-base <n>',
      'fixed ports: azurite n, aci n+1, batch n+2, identity n+3 (default: free ports)',
      portBase,
    )
    .option('--faults <file>', 'JSON fault rules (default: $FLOTILLA_EMULATOR_FAULTS)')
    .option('--simulate', 'run no step processes: steps end after a simulated time with exit code 0')
    .option(
      '--write-settings <file>',
      'write the settings to this file instead of printing them: *.json as local.settings.json, else KEY=value lines',
    )
    .option('--host-port <n>', 'port the app will be hosted on (its callback URL)', hostPort, 7071);
  addOutputOption(command).action(async (options: EmulatorsOptions) => {
    setExitCode(await runEmulators(options));
  });
};

function hostPort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535)
    throw new InvalidArgumentError(`expected a port from 1 to 65535, got ${JSON.stringify(value)}`);
  return n;
}

/** local.settings.json for a `*.json` file, else an env file; both hold every setting. */
export function settingsFileText(file: string, settings: Record<string, string>): string {
  if (file.toLowerCase().endsWith('.json'))
    return `${JSON.stringify({ IsEncrypted: false, Values: settings }, null, 2)}\n`;
  return `${formatSettings(settings, 'env')}\n`;
}

function portBase(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1024 || n > 65531) {
    throw new InvalidArgumentError(
      `expected a whole number from 1024 to 65531, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

export async function runEmulators(options: EmulatorsOptions): Promise<number> {
  const stack = await startStack({
    stateDir: resolve(options.state),
    mode: options.simulate ? 'simulate' : 'auto',
    faults: options.faults,
    portBase: options.portBase,
  });
  const settings = {
    FUNCTIONS_WORKER_RUNTIME: 'node',
    ...appEnvironment(stack.settings, {
      port: options.hostPort,
      callbackSecret: randomBytes(32).toString('base64url'),
      ...(process.env.FLOTILLA_TASK_HUB ? { taskHub: process.env.FLOTILLA_TASK_HUB } : {}),
    }),
  };
  const json = formatOf(options) === 'json';
  if (options.writeSettings) {
    writeFileSync(options.writeSettings, settingsFileText(options.writeSettings, settings), { mode: 0o600 });
    process.stdout.write(
      json
        ? `${JSON.stringify({ settingsFile: resolve(options.writeSettings), names: Object.keys(settings) })}\n`
        : `settings written to ${options.writeSettings}: ${Object.keys(settings).join(', ')}\n`,
    );
  } else process.stdout.write(`${formatSettings(settings, json ? 'json' : 'env')}\n`);
  const signals = untilSignal();
  process.stderr.write(hint(stack, options));
  await signals.signal;
  process.stderr.write('flotilla emulators: stopping\n');
  await stack.stop();
  signals.dispose();
  return 0;
}

function hint(stack: Stack, options: EmulatorsOptions): string {
  const faults = stack.faults.rules().length;
  const port = options.hostPort === 7071 ? '' : ` --port ${options.hostPort}`;
  return [
    `flotilla emulators: ready (${stack.execution.mode === 'container' ? `${stack.execution.engine} container` : stack.execution.mode} mode, ${faults} fault rule${faults === 1 ? '' : 's'}).`,
    options.writeSettings?.toLowerCase().endsWith('local.settings.json')
      ? `  With ${options.writeSettings} in the app folder, run:  flotilla host --app .${port}`
      : '  Export the settings (they include NODE_EXTRA_CA_CERTS, so Node trusts the stack certificate),',
    `  then run your app against them, e.g.:  flotilla host --app .${port}`,
    '  Press Ctrl-C to stop.',
    '',
  ].join('\n');
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Resolves on the first Ctrl-C / SIGTERM / SIGHUP; a second signal while stopping exits at once (130), and the
 * stack's exit hook still kills Azurite. One handler stays installed until `dispose()`: removing and re-adding
 * handlers would briefly restore the default action, and a signal landing then would kill the process.
 */
function untilSignal(): { signal: Promise<NodeJS.Signals>; dispose(): void } {
  let stopping = false;
  let resolveSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const signal = new Promise<NodeJS.Signals>((resolve) => (resolveSignal = resolve));
  const onSignal = (received: NodeJS.Signals) => {
    if (!stopping) {
      stopping = true;
      resolveSignal(received);
      return;
    }
    process.stderr.write('flotilla emulators: stopping now\n');
    process.exit(130);
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  return { signal, dispose: () => SIGNALS.forEach((s) => process.off(s, onSignal)) };
}
