/**
 * `flotilla emulators`: starts the embedded stack (Azurite, managed identity, ACI and Batch emulators) in the
 * foreground and prints the settings that point an app at it, as `KEY=value` lines (or `--json`) on stdout.
 * Ctrl-C (SIGINT) or SIGTERM stops everything.
 */
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { formatSettings, type Stack, startStack } from '../../emulators/stack';
import type { CommandModule } from '../main';

export interface EmulatorsOptions {
  readonly state: string;
  readonly portBase?: number;
  readonly faults?: string;
  readonly simulate?: boolean;
  readonly json?: boolean;
}

export const emulatorsCommand: CommandModule = (program: Command, setExitCode) => {
  program
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
    .option('--json', 'print the settings as one JSON object instead of KEY=value lines')
    .action(async (options: EmulatorsOptions) => {
      setExitCode(await runEmulators(options));
    });
};

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
  process.stdout.write(`${formatSettings(stack.settings, options.json ? 'json' : 'env')}\n`);
  const signals = untilSignal();
  process.stderr.write(hint(stack));
  await signals.signal;
  process.stderr.write('flotilla emulators: stopping\n');
  await stack.stop();
  signals.dispose();
  return 0;
}

function hint(stack: Stack): string {
  const faults = stack.faults.rules().length;
  return [
    `flotilla emulators: ready (${stack.execution.mode === 'container' ? `${stack.execution.engine} container` : stack.execution.mode} mode, ${faults} fault rule${faults === 1 ? '' : 's'}).`,
    '  Export the settings above (they include NODE_EXTRA_CA_CERTS, so Node trusts the stack certificate),',
    '  then run your app against them, e.g.:  flotilla host --app .',
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
