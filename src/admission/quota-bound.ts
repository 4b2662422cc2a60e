/**
 * The shortest time ACI's rate limits allow for a number of container group creates (or deletes), as the ACI
 * emulator enforces them (docs/orchestration.md, "Quote"): at most `per5Min` in any sliding 5 minutes and
 * `perHour` in any sliding hour; an operation at time t stops counting at t + window.
 *
 * The earliest schedule sends each operation as soon as both windows allow it, so operation k (0-based) goes at
 *
 *   t(k) = max( k >= per5Min ? t(k - per5Min) + 5 min : 0,  k >= perHour ? t(k - perHour) + 1 h : 0 )
 *
 * and n operations need at least t(n - 1). No schedule is faster: sending any earlier operation later can only
 * delay the later ones. When ceil(perHour / per5Min) x 5 min <= 1 h (ACI's defaults, 100 and 300, among them)
 * this is the closed form
 *
 *   t(n - 1) = floor((n - 1) / perHour) x 1 h + floor(((n - 1) mod perHour) / per5Min) x 5 min
 *
 * e.g. 1,000 groups under 100 / 5 min and 300 / h: 3 h; 300 groups: 10 min. A run of g groups needs both g
 * creates and g deletes, so its bound is the larger of the two (creates and deletes are limited separately).
 */

export const FIVE_MINUTES_MS = 5 * 60_000;
export const HOUR_MS = 60 * 60_000;

export interface RateLimits {
  readonly per5Min: number;
  readonly perHour: number;
}

/** Minimum milliseconds from the first to the last of `count` operations under `limits` (0 for 0 or 1). */
export function rateBoundMs(count: number, limits: RateLimits): number {
  if (!Number.isInteger(count) || count < 0)
    throw new Error(`count must be a non-negative integer, got ${String(count)}`);
  for (const [name, value] of Object.entries(limits))
    if (value !== Infinity && !(Number.isInteger(value) && value >= 1))
      throw new Error(`limits.${name} must be an integer of at least 1 or Infinity, got ${String(value)}`);
  if (count <= Math.min(limits.per5Min, limits.perHour)) return 0;
  const times = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    const five = k >= limits.per5Min ? (times[k - limits.per5Min] ?? 0) + FIVE_MINUTES_MS : 0;
    const hour = k >= limits.perHour ? (times[k - limits.perHour] ?? 0) + HOUR_MS : 0;
    times[k] = Math.max(five, hour);
  }
  return times[count - 1] ?? 0;
}

/** Minimum milliseconds for `groups` container groups to be created and deleted under both sets of limits. */
export function quotaBoundMs(groups: number, limits: { creates: RateLimits; deletes: RateLimits }): number {
  return Math.max(rateBoundMs(groups, limits.creates), rateBoundMs(groups, limits.deletes));
}
