/**
 * `flotilla emulators`: starts the embedded stack (Azurite, managed identity, ACI and Batch emulators) in the
 * foreground and prints the settings that point an app at it, as `KEY=value` lines (or `--json`) on stdout.
 * Ctrl-C (SIGINT) or SIGTERM stops everything.
 */
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { formatSettings, type Stack, startStack } from '../../../emulators/stack';
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
    mode: options.simulate ? 'simulate' : 'process',
    faults: options.faults,
    portBase: options.portBase,
  });
  process.stdout.write(`${formatSettings(stack.settings, options.json ? 'json' : 'env')}\n`);
  process.stderr.write(hint(stack, options));
  await untilSignal();
  process.stderr.write('flotilla emulators: stopping\n');
  await stack.stop();
  return 0;
}

function hint(stack: Stack, options: EmulatorsOptions): string {
  const faults = stack.faults.rules().length;
  return [
    `flotilla emulators: ready (${options.simulate ? 'simulate' : 'process'} mode, ${faults} fault rule${faults === 1 ? '' : 's'}).`,
    '  Export the settings above (they include NODE_EXTRA_CA_CERTS, so Node trusts the stack certificate),',
    '  then run your app against them, e.g.:  flotilla host --app .',
    '  Press Ctrl-C to stop.',
    '',
  ].join('\n');
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
