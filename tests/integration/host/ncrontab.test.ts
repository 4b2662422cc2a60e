import { parseSchedule, ScheduleError } from '../../../packages/emulators/functions';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

function occurrences(schedule: string, fromIso: string, count: number): string[] {
  const parsed = parseSchedule(schedule);
  const result: string[] = [];
  let t = at(fromIso);
  for (let i = 0; i < count; i++) {
    t = parsed.next(t);
    result.push(iso(t));
  }
  return result;
}

describe('NCRONTAB and TimeSpan schedules', () => {
  it('steps seconds and minutes', () => {
    expect(occurrences('*/15 * * * * *', '2026-01-01T00:00:00Z', 3)).toEqual([
      '2026-01-01T00:00:15.000Z',
      '2026-01-01T00:00:30.000Z',
      '2026-01-01T00:00:45.000Z',
    ]);
    expect(occurrences('0 */5 * * * *', '2026-01-01T00:04:59.500Z', 2)).toEqual([
      '2026-01-01T00:05:00.000Z',
      '2026-01-01T00:10:00.000Z',
    ]);
  });

  it('handles ranges, lists and ranges with steps', () => {
    expect(occurrences('0 0 9-17/4 * * *', '2026-01-01T00:00:00Z', 4)).toEqual([
      '2026-01-01T09:00:00.000Z',
      '2026-01-01T13:00:00.000Z',
      '2026-01-01T17:00:00.000Z',
      '2026-01-02T09:00:00.000Z',
    ]);
    expect(occurrences('30 15,45 6 * * *', '2026-01-01T06:20:00Z', 2)).toEqual([
      '2026-01-01T06:45:30.000Z',
      '2026-01-02T06:15:30.000Z',
    ]);
    expect(occurrences('0 0 0 1 */3 *', '2026-02-10T00:00:00Z', 2)).toEqual([
      '2026-04-01T00:00:00.000Z',
      '2026-07-01T00:00:00.000Z',
    ]);
  });

  it('understands month and day names and requires both day fields to match', () => {
    // 2026-01-01 is a Thursday.
    expect(occurrences('0 0 12 * * MON', '2026-01-01T00:00:00Z', 2)).toEqual([
      '2026-01-05T12:00:00.000Z',
      '2026-01-12T12:00:00.000Z',
    ]);
    expect(occurrences('0 0 0 * FEB SUN', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-02-01T00:00:00.000Z']);
    expect(occurrences('0 0 0 13 * 5', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-02-13T00:00:00.000Z']);
    expect(occurrences('0 0 0 * * 7', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-04T00:00:00.000Z']);
  });

  it('accepts five fields (seconds = 0) and TimeSpan intervals', () => {
    expect(occurrences('*/30 * * * *', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-01T00:30:00.000Z']);
    expect(occurrences('01:30:00', '2026-01-01T00:00:00Z', 2)).toEqual([
      '2026-01-01T01:30:00.000Z',
      '2026-01-01T03:00:00.000Z',
    ]);
    expect(occurrences('1.00:00:00', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-02T00:00:00.000Z']);
  });

  it('finds rare dates such as 29 February', () => {
    expect(occurrences('0 0 0 29 2 *', '2026-01-01T00:00:00Z', 1)).toEqual(['2028-02-29T00:00:00.000Z']);
  });

  it('rejects bad schedules naming the field and what is allowed', () => {
    expect(() => parseSchedule('0 61 * * * *')).toThrow(/minute field: 61 is out of range 0-59/);
    expect(() => parseSchedule('0 * * * *  * *')).toThrow(/expected six NCRONTAB fields/);
    expect(() => parseSchedule('0 0 0 * * FOO')).toThrow(
      /day-of-week field: "FOO" is not a number or a name/,
    );
    expect(() => parseSchedule('0 0 10-2 * * *')).toThrow(/hour field: range "10-2" runs backwards/);
    expect(() => parseSchedule('00:00:00')).toThrow(ScheduleError);
    expect(() => parseSchedule('0 0 0 31 2 *').next(at('2026-01-01T00:00:00Z'))).toThrow(/never occurs/);
  });
});
