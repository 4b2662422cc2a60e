/**
 * `flotilla runs [--pipeline <name>] [--status <state>] [--limit <n>]`: runs newest first (GET /api/runs; the
 * filters are the API's, which checks them and names what it allows). Exit code 0, 1 API error, 64 bad flag.
 */
import { type Command, InvalidArgumentError } from 'commander';
import type { CommandModule } from '../main';
import { addOutputOption, formatOf, guarded } from '../output';
import { addConnectOptions, type ConnectOptions, withApi } from '../run/connect';

type Options = ConnectOptions & {
  pipeline?: string;
  status?: string;
  limit?: number;
  json?: boolean;
  output?: string;
};

export const runsCommand: CommandModule = (program: Command, setExitCode) => {
  addOutputOption(
    addConnectOptions(
      program
        .command('runs')
        .description('list runs, newest first')
        .option('--pipeline <name>', 'only runs of this pipeline')
        .option(
          '--status <state>',
          'only runs in this state: pending, running, succeeded, partially_succeeded, failed, cancelled, terminated',
        )
        .option('--limit <n>', 'at most this many runs (1-200, default 50)', limit),
    ),
  ).action(async (options: Options) => {
    setExitCode(
      await guarded(
        'runs',
        () =>
          withApi(
            options,
            () => undefined,
            async (api) => {
              const list = await api.listRuns({
                pipeline: options.pipeline,
                status: options.status,
                limit: options.limit,
              });
              if (formatOf(options) === 'json') process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
              else {
                process.stdout.write(`${table(list.runs).join('\n')}\n`);
                if (list.truncated)
                  process.stderr.write('flotilla runs: more runs exist: raise --limit or filter\n');
              }
              return 0;
            },
          ),
        { pipeline: '--pipeline', status: '--status', limit: '--limit' },
      ),
    );
  });
};

function limit(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 200)
    throw new InvalidArgumentError(`expected a whole number from 1 to 200, got ${JSON.stringify(value)}`);
  return n;
}

function table(
  runs: readonly { runId: string; pipeline: string; status: string; createdAt: string; phase?: string }[],
): string[] {
  if (!runs.length) return ['(no runs)'];
  const rows = runs.map((r) => [r.runId, r.pipeline, r.status, r.createdAt, r.phase ?? '']);
  const header = ['RUN', 'PIPELINE', 'STATUS', 'CREATED', 'PHASE'];
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((r) => r[col]!.length)));
  return [header, ...rows].map((cells) =>
    cells
      .map((c, col) => c.padEnd(widths[col]!))
      .join('  ')
      .trimEnd(),
  );
}
