/**
 * Durations in the spec are strings of whole numbers with units, largest unit first:
 * `90s`, `30m`, `2h`, `1h30m`, `1d`. Each unit at most once. `0m` (or `0s`) is zero.
 */
const UNITS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const;
type Unit = keyof typeof UNITS;
/** Formatting stops at hours: `48h` reads better than `2d`. */
const ORDER: readonly Unit[] = ['h', 'm', 's'];

/** The pattern the JSON Schema uses (the parser below accepts exactly the same strings). */
export const DURATION_PATTERN = '^(?:[0-9]+d)?(?:[0-9]+h)?(?:[0-9]+m)?(?:[0-9]+s)?$';
const durationRegex = new RegExp(DURATION_PATTERN);

export type DurationResult = { ok: true; ms: number } | { ok: false; message: string };

export function parseDuration(text: string): DurationResult {
  const trimmed = text.trim();
  if (trimmed === '' || !durationRegex.test(trimmed)) {
    const bare = /^[0-9]+(?:\.[0-9]+)?$/.test(trimmed);
    return {
      ok: false,
      message: bare
        ? `"${trimmed}" has no unit; write e.g. ${trimmed}s or ${trimmed}m (units: s, m, h, d)`
        : `"${trimmed}" is not a duration; use whole numbers with units s, m, h, d, largest first, e.g. 90s, 30m, 2h, 1h30m`,
    };
  }
  let ms = 0;
  for (const [, amount, unit] of trimmed.matchAll(/([0-9]+)([dhms])/g)) {
    ms += Number(amount) * UNITS[unit as Unit];
  }
  if (!Number.isSafeInteger(ms)) return { ok: false, message: `"${trimmed}" is too long a duration` };
  return { ok: true, ms };
}

/** The shortest spec string for a whole number of seconds (rounded down): 5400000 -> `1h30m`. */
export function formatDuration(ms: number): string {
  let rest = Math.max(0, Math.floor(ms / 1000)) * 1000;
  if (rest === 0) return '0s';
  let out = '';
  for (const unit of ORDER) {
    const amount = Math.floor(rest / UNITS[unit]);
    if (amount > 0) out += `${amount}${unit}`;
    rest -= amount * UNITS[unit];
  }
  return out;
}
