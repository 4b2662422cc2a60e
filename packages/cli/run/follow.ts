/**
 * Follows a run until it ends: live view on a terminal, plain lines otherwise, JSON lines with --json.
 * The first Ctrl-C cancels the run and waits (at most `cancelWaitMs`) for its teardown, then the command
 * exits 130 (interrupted); a second one stops at once (`onAbort`, else: stop waiting).
 */
import { ApiCallError, type FlotillaApi, hasEnded, type RunView } from '../api-client';
import { changeLines, costLine, formatDuration, liveFrame, resultTable, runDurationMs } from '../progress';
import type { LocalStack } from './local-stack';

export interface FollowOptions {
  readonly json?: boolean;
  readonly interval: number;
  readonly local?: LocalStack;
  readonly log: (line: string) => void;
  readonly out?: NodeJS.WriteStream;
  /** How long a Ctrl-C waits for the cancelled run to end (default 2 minutes). */
  readonly cancelWaitMs?: number;
  /** A second Ctrl-C: stop at once (the caller kills what it started and exits). */
  readonly onAbort?: () => void;
  /** The command that fetches the run's outputs, printed at the end (e.g. `flotilla outputs r-… --to ./out`). */
  readonly outputsCommand?: (runId: string) => string;
}

/** The exit code of a command the user interrupted (128 + SIGINT), as shells report it. */
export const INTERRUPTED_EXIT_CODE = 130;

export const EXIT_CODES: Record<string, number> = { succeeded: 0, partially_succeeded: 2 };

export async function followRun(api: FlotillaApi, runId: string, options: FollowOptions): Promise<number> {
  const out = options.out ?? process.stdout;
  const live = !options.json && out.isTTY === true;
  const started = Date.now();
  let previous: RunView | undefined;
  let drawn = 0;
  let cancelling = false;
  let cancelDeadline = Infinity;
  let abandon = false;
  const onInterrupt = () => {
    if (cancelling) {
      if (options.onAbort) {
        options.log('stopping at once');
        options.onAbort();
      }
      abandon = true;
      return;
    }
    cancelling = true;
    cancelDeadline = Date.now() + (options.cancelWaitMs ?? 120_000);
    options.log(`\ncancelling run ${runId} (Ctrl-C again to stop at once)`);
    // The live view redraws below the message instead of over it.
    drawn = 0;
    api.cancelRun(runId).catch((error: unknown) => options.log(`cancel failed: ${(error as Error).message}`));
  };
  process.on('SIGINT', onInterrupt);
  try {
    for (;;) {
      let run: RunView;
      try {
        run = await api.getRun(runId);
      } catch (error) {
        // A run is visible a moment after it is accepted.
        if (error instanceof ApiCallError && error.status === 404 && Date.now() - started < 30_000) {
          await sleep(options.interval);
          continue;
        }
        throw error;
      }
      const elapsed = Date.now() - started;
      if (options.json) {
        if (!previous || changeLines(previous, run, elapsed).length) {
          out.write(
            `${JSON.stringify({ event: 'progress', runId, status: run.status, counts: run.counts, images: run.images })}\n`,
          );
        }
      } else if (live) {
        // Read each time: the terminal may be resized. Lines never wrap, so moving up `drawn` lines is exact.
        const frame = liveFrame(run, elapsed, Math.max(1, (out.rows || 24) - 4), out.columns || 80);
        out.write(`${drawn ? `\x1b[${drawn}A` : ''}${frame.map((l) => `\x1b[2K${l}`).join('\n')}\n\x1b[J`);
        drawn = frame.length;
      } else {
        for (const line of changeLines(previous, run, elapsed)) out.write(`${line}\n`);
      }
      previous = run;
      const gaveUp = Date.now() > cancelDeadline;
      if (gaveUp)
        options.log(`run ${runId} did not end within ${options.cancelWaitMs ?? 120_000} ms of the cancel`);
      if (hasEnded(run) || abandon || gaveUp) {
        const code = await finish(api, run, elapsed, options, out);
        return cancelling ? INTERRUPTED_EXIT_CODE : code;
      }
      await sleep(options.interval);
    }
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

async function finish(
  api: FlotillaApi,
  run: RunView,
  elapsedMs: number,
  options: FollowOptions,
  out: NodeJS.WriteStream,
): Promise<number> {
  const ended = hasEnded(run);
  const manifest = ended ? await api.getManifest(run.runId).catch(() => undefined) : undefined;
  const durationMs = runDurationMs(run, ended, Date.now());
  const fetch = ended && options.outputsCommand ? options.outputsCommand(run.runId) : undefined;
  const leftovers = options.local?.liveResources();
  const exitCode = EXIT_CODES[run.status] ?? 1;
  if (options.json) {
    out.write(
      `${JSON.stringify({ event: 'result', runId: run.runId, status: run.status, exitCode, counts: run.counts, cost: run.cost, manifest: run.manifest, images: run.images, leftovers, elapsedMs, durationMs, ...(fetch ? { outputsCommand: fetch } : {}) })}\n`,
    );
    return exitCode;
  }
  out.write(`\n${resultTable(run, out.isTTY ? out.columns || 80 : Infinity).join('\n')}\n\n`);
  const c = run.counts;
  out.write(
    `Run ${run.runId} ${run.status}: ${c.succeeded} of ${c.total} images succeeded, ${c.failed} failed` +
      `${c.cancelled ? `, ${c.cancelled} cancelled` : ''} in ${formatDuration(durationMs)}.\n`,
  );
  const cost = costLine(run.cost);
  if (cost) out.write(`${cost}\n`);
  if (manifest || run.manifest) out.write(`Manifest: results/${run.runId}/manifest.json\n`);
  if (fetch) out.write(`Outputs: ${fetch}\n`);
  const budget = (
    run as { budget?: { spent: number; maxCost: number; currency: string; refused: unknown[] } }
  ).budget;
  if (budget)
    out.write(
      `Budget: ${budget.spent.toFixed(6)} of ${budget.maxCost} ${budget.currency} spent${budget.refused.length ? `; ${budget.refused.length} steps not started` : ''}\n`,
    );
  // On the embedded stack, always say what is left (0 after a clean teardown).
  if (leftovers) {
    out.write(
      `Left in the emulators: ${leftovers.groups} container groups, ${leftovers.activeJobs} active jobs, ${leftovers.tasks} tasks\n`,
    );
  }
  return exitCode;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
