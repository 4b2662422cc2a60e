/**
 * Timer schedules as the Functions host reads them (UTC): NCRONTAB with six fields
 * `second minute hour day month day-of-week` (five fields: seconds = 0), each `*`, `n`, `a-b`, `*\/s`, `a-b/s`,
 * `n/s` or comma lists, month and day names (JAN, MON); or a TimeSpan `hh:mm:ss` / `d.hh:mm:ss` (every interval).
 * Like NCrontab, a day must match both the day-of-month and the day-of-week fields.
 */
export interface Schedule {
  readonly text: string;
  /** The first occurrence strictly after `afterMs` (epoch ms). */
  next(afterMs: number): number;
}

export class ScheduleError extends Error {
  readonly code = 'SCHEDULE_INVALID';
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  readonly namesStart?: number;
}

const SPECS: readonly FieldSpec[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, namesStart: 1 },
  { name: 'day-of-week', min: 0, max: 7, names: DAYS, namesStart: 0 },
];

function parseValue(text: string, spec: FieldSpec, where: string): number {
  const index = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (index >= 0) return index + (spec.namesStart ?? 0);
  if (!/^\d+$/.test(text))
    throw new ScheduleError(`${where}: "${text}" is not a number${spec.names ? ' or a name' : ''}.`);
  const value = Number(text);
  if (value < spec.min || value > spec.max) {
    throw new ScheduleError(`${where}: ${value} is out of range ${spec.min}-${spec.max}.`);
  }
  return value;
}

function parseField(text: string, spec: FieldSpec, schedule: string): boolean[] {
  const where = `Schedule "${schedule}", ${spec.name} field`;
  const allowed: boolean[] = new Array<boolean>(spec.max + 1).fill(false);
  for (const item of text.split(',')) {
    const [range = '', stepText, extra] = item.split('/');
    if (extra !== undefined || range === '') throw new ScheduleError(`${where}: "${item}" is not valid.`);
    const step = stepText === undefined ? 1 : parseValue(stepText, { ...spec, min: 1, max: 1000 }, where);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [spec.min, spec.max];
    else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      [from, to] = [parseValue(a, spec, where), parseValue(b, spec, where)];
      if (from > to) throw new ScheduleError(`${where}: range "${range}" runs backwards.`);
    } else {
      from = parseValue(range, spec, where);
      to = stepText === undefined ? from : spec.max;
    }
    for (let v = from; v <= to; v += step) allowed[v] = true;
  }
  return allowed;
}

function parseTimeSpan(text: string): Schedule | undefined {
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?$/.exec(text);
  if (!m) return undefined;
  const [days, hours, minutes, seconds] = [m[1], m[2], m[3], m[4]].map((v) => Number(v ?? 0)) as [
    number,
    number,
    number,
    number,
  ];
  if (hours > 23 || minutes > 59 || seconds > 59)
    throw new ScheduleError(`Schedule "${text}": not a valid TimeSpan.`);
  const interval =
    (((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000 + Number(`0.${m[5] ?? 0}`) * 1000;
  if (interval <= 0) throw new ScheduleError(`Schedule "${text}": the interval must be longer than zero.`);
  return { text, next: (afterMs) => afterMs + interval };
}

export function parseSchedule(text: string): Schedule {
  const trimmed = text.trim();
  const span = parseTimeSpan(trimmed);
  if (span) return span;
  const parts = trimmed.split(/\s+/);
  if (parts.length === 5) parts.unshift('0');
  if (parts.length !== 6) {
    throw new ScheduleError(
      `Schedule "${text}": expected six NCRONTAB fields (second minute hour day month day-of-week) or a TimeSpan hh:mm:ss, got ${parts.length} fields.`,
    );
  }
  const [sec, min, hour, day, month, dow] = parts.map((p, i) => parseField(p, SPECS[i]!, text)) as [
    boolean[],
    boolean[],
    boolean[],
    boolean[],
    boolean[],
    boolean[],
  ];
  if (dow[7]) dow[0] = true;
  return {
    text,
    next(afterMs) {
      const d = new Date(Math.floor(afterMs / 1000) * 1000 + 1000);
      const limit = afterMs + 10 * 366 * 24 * 3600 * 1000;
      while (d.getTime() <= limit) {
        if (!month[d.getUTCMonth() + 1]) {
          d.setUTCMonth(d.getUTCMonth() + 1, 1);
          d.setUTCHours(0, 0, 0, 0);
        } else if (!day[d.getUTCDate()] || !dow[d.getUTCDay()]) {
          d.setUTCDate(d.getUTCDate() + 1);
          d.setUTCHours(0, 0, 0, 0);
        } else if (!hour[d.getUTCHours()]) {
          d.setUTCHours(d.getUTCHours() + 1, 0, 0, 0);
        } else if (!min[d.getUTCMinutes()]) {
          d.setUTCMinutes(d.getUTCMinutes() + 1, 0, 0);
        } else if (!sec[d.getUTCSeconds()]) {
          d.setUTCSeconds(d.getUTCSeconds() + 1, 0);
        } else {
          return d.getTime();
        }
      }
      throw new ScheduleError(`Schedule "${text}" never occurs.`);
    },
  };
}
