/**
 * What `flotilla run` shows while a run goes on: a live table on a terminal, plain lines (one per change)
 * when the output is a pipe or a file, JSON lines with --json. Pure functions of the run view, so they
 * are tested without a terminal. The live view fits the terminal's width (no line wraps, so redrawing over
 * it never garbles it). States this CLI does not know (a newer app's) show by name.
 */
import type { ImageView, RunView } from './api-client';

const MARK: Record<string, string> = {
  succeeded: '✓',
  cached: '≡',
  failed: '✗',
  cancelled: '⊘',
  skipped: '-',
  running: '▶',
  starting: '▶',
  admission: '…',
  waiting: '·',
  pending: '·',
};

/** A state's mark, or a neutral dot for a state this CLI does not know (its name is printed beside it). */
function symbol(status: string): string {
  return MARK[status] ?? '•';
}

/** A state's mark, or the state's own name when it has none. */
export function mark(status: string): string {
  return MARK[status] ?? status;
}

export function stepSummary(image: ImageView): string {
  return image.steps.map((s) => `${s.step} ${mark(s.status)}`).join('  ');
}

/** Cuts a line to `columns` characters, ending with "…" when it had to cut. */
export function fit(line: string, columns: number): string {
  const chars = [...line];
  if (chars.length <= columns) return line;
  return `${chars.slice(0, Math.max(0, columns - 1)).join('')}…`;
}

export function progressBar(done: number, total: number, width = 24): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

export function countsLine(run: RunView, elapsedMs: number, columns = Infinity): string {
  const c = run.counts;
  const done = c.succeeded + c.failed + c.cancelled;
  const time = `${formatDuration(elapsedMs)}${run.phase ? `  (${run.phase})` : ''}`;
  const words = ` ${done}/${c.total} images  succeeded ${c.succeeded}  failed ${c.failed}  running ${c.running}  pending ${c.pending}  ${time}`;
  // Narrower terminals: a shorter bar, then short labels and a bar as wide as what is left.
  for (const width of [24, 16, 10])
    if (width + 2 + words.length <= columns) return `${progressBar(done, c.total, width)}${words}`;
  const tail = ` ${done}/${c.total} ok ${c.succeeded} fail ${c.failed} run ${c.running} wait ${c.pending} ${formatDuration(elapsedMs)}`;
  const bar = Math.min(24, columns - tail.length - 2);
  return fit(bar >= 4 ? `${progressBar(done, c.total, bar)}${tail}` : tail.trimStart(), columns);
}

/**
 * The live view: one line per image (in-flight ones first when there are many), then the counts; every line
 * at most `columns` characters, at most `maxLines` image lines.
 */
export function liveFrame(run: RunView, elapsedMs: number, maxLines = 20, columns = 80): string[] {
  const cols = Math.max(20, columns);
  const width = Math.min(Math.max(8, ...run.images.map((i) => label(i).length)), Math.floor(cols / 3));
  const order = [...run.images].sort((a, b) => rank(a.status) - rank(b.status));
  const shown = order.slice(0, Math.max(1, maxLines));
  const lines = shown.map((i) =>
    fit(
      `  ${fit(label(i), width).padEnd(width)}  ${symbol(i.status)} ${i.status.padEnd(10)} ${stepSummary(i)}`,
      cols,
    ),
  );
  if (order.length > shown.length)
    lines.push(fit(`  … and ${order.length - shown.length} more images`, cols));
  lines.push(countsLine(run, elapsedMs, cols));
  return lines;
}

/** Plain mode: the lines to print for what changed since `previous`. */
export function changeLines(previous: RunView | undefined, run: RunView, elapsedMs: number): string[] {
  const before = new Map(previous?.images.map((i) => [i.imageKey, stepSummary(i) + i.status]));
  const lines: string[] = [];
  for (const image of run.images) {
    if (before.get(image.imageKey) !== stepSummary(image) + image.status) {
      lines.push(`${label(image)}: ${image.status}  ${stepSummary(image)}`);
    }
  }
  if (
    !previous ||
    JSON.stringify(previous.counts) !== JSON.stringify(run.counts) ||
    previous.phase !== run.phase
  ) {
    lines.push(countsLine(run, elapsedMs));
  }
  return lines;
}

/** The table printed at the end; in a terminal `columns` wide, image names are cut to fit (at least 12). */
export function resultTable(run: RunView, columns = Infinity): string[] {
  const steps = [...new Set(run.images.flatMap((i) => i.steps.map((s) => s.step)))];
  const rows = run.images.map((image) => [
    label(image),
    image.status,
    ...steps.map((name) => {
      const step = image.steps.find((s) => s.step === name);
      if (!step) return '-';
      if (step.status === 'cached') return `${mark('cached')} cached`;
      const exit = step.exitCode !== undefined ? ` exit ${step.exitCode}` : '';
      const tries = (step.attempts ?? 1) > 1 ? ` x${step.attempts}` : '';
      return `${mark(step.status)}${exit}${tries}`;
    }),
    imageDuration(image),
  ]);
  const header = ['IMAGE', 'STATUS', ...steps.map((s) => s.toUpperCase()), 'TIME'];
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((r) => (r[col] ?? '').length)));
  const rest = widths.slice(1).reduce((sum, w) => sum + w + 2, 0);
  widths[0] = Math.max(12, Math.min(widths[0] ?? 0, columns - rest));
  const format = (cells: string[]) =>
    cells
      .map((cell, col) => (col === 0 ? fit(cell, widths[0]!) : cell).padEnd(widths[col] ?? 0))
      .join('  ')
      .trimEnd();
  const lines = [format(header), ...rows.map(format)];
  if (run.imagesTruncated)
    lines.push(`(only the first ${run.images.length} images are listed; see the manifest)`);
  return lines;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

function imageDuration(image: ImageView): string {
  const starts = image.steps.map((s) => Date.parse(s.startedAt ?? '')).filter(Number.isFinite);
  const ends = image.steps.map((s) => Date.parse(s.finishedAt ?? '')).filter(Number.isFinite);
  if (!starts.length || !ends.length) return '-';
  return formatDuration(Math.max(...ends) - Math.min(...starts));
}

function label(image: ImageView): string {
  return image.image ?? image.imageKey;
}

function rank(status: string): number {
  return ['running', 'starting', 'admission', 'waiting', 'pending'].includes(status) ? 0 : 1;
}

/** The run's own duration: from its creation to its last update once ended, else to `now`. */
export function runDurationMs(
  run: Pick<RunView, 'createdAt' | 'updatedAt'>,
  ended: boolean,
  now: number,
): number {
  const start = Date.parse(run.createdAt);
  const end = ended ? Date.parse(run.updatedAt) : now;
  return Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, end - start) : 0;
}

/**
 * The cost estimate with its currency: the app's `cost.currency` when it names one, else USD, the currency of
 * the built-in prices (FLOTILLA_PRICE_*).
 */
export function costLine(cost: unknown): string | undefined {
  const c = cost as
    { total?: number; aci?: number; batch?: number; batchIdle?: number; currency?: string } | undefined;
  if (typeof c?.total !== 'number') return undefined;
  const currency = c.currency ?? 'USD';
  const parts = [
    ...(typeof c.aci === 'number' ? [`ACI ${c.aci.toFixed(6)}`] : []),
    ...(typeof c.batch === 'number' ? [`Batch ${c.batch.toFixed(6)}`] : []),
    ...(typeof c.batchIdle === 'number'
      ? [`idle Batch pool time ${c.batchIdle.toFixed(6)}, not in the total`]
      : []),
  ];
  return `Cost estimate: ${c.total.toFixed(6)} ${currency}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}
