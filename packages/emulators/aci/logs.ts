/** Container log rules of ACI: 16 KB / 1,000 lines survive a stop; `tail` and `timestamps` on read. */
export const STOPPED_LOG_BYTES = 16 * 1024;
export const STOPPED_LOG_LINES = 1000;

/** What ACI keeps of a container's log once it has stopped: the last 1,000 lines, at most 16 KB. */
export function truncateStoppedLog(log: string): string {
  let kept = lastLines(log, STOPPED_LOG_LINES);
  if (Buffer.byteLength(kept) > STOPPED_LOG_BYTES) {
    const bytes = Buffer.from(kept);
    kept = bytes.subarray(bytes.length - STOPPED_LOG_BYTES).toString('utf8');
    const nl = kept.indexOf('\n');
    // Drop a partial first line (and any split multi-byte character) rather than return half a line.
    if (nl >= 0 && nl < kept.length - 1) kept = kept.slice(nl + 1);
  }
  return kept;
}

export function lastLines(log: string, n: number): string {
  if (n <= 0) return '';
  const trailingNewline = log.endsWith('\n');
  const lines = (trailingNewline ? log.slice(0, -1) : log).split('\n');
  if (lines.length <= n) return log;
  return lines.slice(lines.length - n).join('\n') + (trailingNewline ? '\n' : '');
}

/**
 * Prefixes each line with an RFC 3339 timestamp, as `timestamps=true` does. The emulator does not keep a time
 * per line: lines carry the container's start time (the last line its finish time, once it has finished).
 */
export function withTimestamps(log: string, startIso: string, finishIso?: string): string {
  if (!log) return log;
  const trailingNewline = log.endsWith('\n');
  const lines = (trailingNewline ? log.slice(0, -1) : log).split('\n');
  return (
    lines
      .map((line, i) => `${i === lines.length - 1 && finishIso ? finishIso : startIso} ${line}`)
      .join('\n') + (trailingNewline ? '\n' : '')
  );
}
