import { Command } from 'commander';
import { emulatorsCommand } from './commands/emulators';
import { hostCommand } from './commands/host';
import { logsCommand } from './commands/logs';
import { outputsCommand } from './commands/outputs';
import { pipelinesCommand } from './commands/pipelines';
import { runsCommand } from './commands/runs';
import { planCommand } from './commands/plan';
import { rerunCommand } from './commands/rerun';
import { runCommand } from './commands/run';
import { cancelCommand, statusCommand } from './commands/status';
import { validateCommand } from './commands/validate';
import { CliUsageError, EXIT } from './output';

/** Each command module adds itself to the program; `main` resolves to the process exit code. */
export type CommandModule = (program: Command, setExitCode: (code: number) => void) => void;

const commands: CommandModule[] = [
  validateCommand,
  planCommand,
  emulatorsCommand,
  hostCommand,
  runCommand,
  statusCommand,
  cancelCommand,
  rerunCommand,
  logsCommand,
  runsCommand,
  outputsCommand,
  pipelinesCommand,
];

export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command('flotilla')
    .description('Serverless orchestrator for container pipelines on Azure')
    .version(version(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of commands) register(program, (code) => (exitCode = code));
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    const code = (error as { exitCode?: number }).exitCode;
    // commander has already printed its own message (help, version, or a usage error naming the flag).
    if (typeof code === 'number') return code === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof CliUsageError) {
      console.error(`flotilla: ${error.message}`);
      return EXIT.usage;
    }
    console.error(`flotilla: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.failed;
  }
  return exitCode;
}

function version(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../../../package.json') as { version: string }).version;
}
