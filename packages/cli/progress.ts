/**
 * What `flotilla run` shows while a run goes on: a live table on a terminal, plain lines (one per change)
 * when the output is a pipe or a file, JSON lines with --json. Pure functions of the run view, so they
 * are tested without a terminal.
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

export function mark(status: string): string {
  return MARK[status] ?? '?';
}

export function stepSummary(image: ImageView): string {
  return image.steps.map((s) => `${s.step} ${mark(s.status)}`).join('  ');
}

export function progressBar(done: number, total: number, width = 24): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

export function countsLine(run: RunView, elapsedMs: number): string {
  const c = run.counts;
  const done = c.succeeded + c.failed + c.cancelled;
  return (
    `${progressBar(done, c.total)} ${done}/${c.total} images  ` +
    `succeeded ${c.succeeded}  failed ${c.failed}  running ${c.running}  pending ${c.pending}  ` +
    `${formatDuration(elapsedMs)}${run.phase ? `  (${run.phase})` : ''}`
  );
}

/** The live view: one line per image (in-flight ones first when there are many), then the counts. */
export function liveFrame(run: RunView, elapsedMs: number, maxLines = 20): string[] {
  const width = Math.max(8, ...run.images.map((i) => label(i).length));
  const order = [...run.images].sort((a, b) => rank(a.status) - rank(b.status));
  const shown = order.slice(0, maxLines);
  const lines = shown.map(
    (i) => `  ${label(i).padEnd(width)}  ${mark(i.status)} ${i.status.padEnd(10)} ${stepSummary(i)}`,
  );
  if (order.length > shown.length) lines.push(`  … and ${order.length - shown.length} more images`);
  lines.push(countsLine(run, elapsedMs));
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

/** The table printed at the end. */
export function resultTable(run: RunView): string[] {
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
  const format = (cells: string[]) =>
    cells
      .map((cell, col) => cell.padEnd(widths[col] ?? 0))
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
