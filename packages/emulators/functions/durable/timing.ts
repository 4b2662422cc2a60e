/** Timer and retry arithmetic shared by the episode runner (docs/durable-engine.md, 'Timers', 'Retries'). */
import type { RetryOptionsWire } from './actions';

export interface TimerSettings {
  /** Timers further away than this are split into slices (Azure Storage: 6 days). */
  readonly maximumShortTimerMs: number;
  /** Length of each slice of a long timer (Azure Storage: 3 days). */
  readonly longRunningTimerIntervalMs: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export const DEFAULT_TIMER_SETTINGS: TimerSettings = {
  maximumShortTimerMs: 6 * DAY_MS,
  longRunningTimerIntervalMs: 3 * DAY_MS,
};

/** The library's slicing rule: the next slice ends at `now + interval` while `final - now > maxShort`. */
export function sliceFireAt(finalAt: number, now: number, settings: TimerSettings): number {
  return finalAt - now > settings.maximumShortTimerMs ? now + settings.longRunningTimerIntervalMs : finalAt;
}

/** Delay before the attempt after failed attempt `attempt` (1-based), as DTFx computes it. */
export function retryDelayMs(retry: RetryOptionsWire, attempt: number): number {
  const coefficient = retry.backoffCoefficient ?? 1;
  const delay = retry.firstRetryIntervalInMilliseconds * Math.pow(coefficient, attempt - 1);
  const cap = retry.maxRetryIntervalInMilliseconds ?? 6 * DAY_MS;
  return Math.max(0, Math.min(delay, cap));
}

/** .NET TimeSpan text `d.hh:mm:ss` (what the extension sends and moment.duration parses). */
export function toTimeSpan(ms: number): string {
  const totalSeconds = Math.floor(ms / 1000);
  const days = Math.floor(totalSeconds / 86400);
  const pad = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor((totalSeconds % 86400) / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  return `${days}.${pad(h)}:${pad(m)}:${pad(s)}`;
}
