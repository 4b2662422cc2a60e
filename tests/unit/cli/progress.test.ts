import { hasEnded, type ImageView, type RunView } from '../../../packages/cli/api-client';
import {
  changeLines,
  costLine,
  countsLine,
  liveFrame,
  progressBar,
  resultTable,
  runDurationMs,
  stepSummary,
} from '../../../packages/cli/progress';

const image = (key: string, status: string, steps: [string, string, number?][]): ImageView => ({
  imageKey: key,
  image: `damage-assessment/${key}.pgm`,
  status,
  steps: steps.map(([step, s, exitCode]) => ({
    step,
    status: s,
    ...(exitCode !== undefined ? { exitCode } : {}),
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:12.000Z',
  })),
});

function aRun(images: ImageView[], status = 'running'): RunView {
  const count = (s: string) => images.filter((i) => i.status === s).length;
  return {
    runId: 'r-1',
    pipeline: 'p',
    status,
    runtimeStatus: 'Running',
    createdAt: '',
    updatedAt: '',
    counts: {
      total: images.length,
      succeeded: count('succeeded'),
      failed: count('failed'),
      cancelled: count('cancelled'),
      running: count('running'),
      pending: count('pending'),
    },
    images,
    imagesTruncated: false,
  };
}

describe('run progress rendering', () => {
  it('draws a bar proportional to finished images', () => {
    expect(progressBar(1, 4, 8)).toBe('[##------]');
    expect(progressBar(4, 4, 8)).toBe('[########]');
    expect(progressBar(0, 0, 4)).toBe('[####]');
  });

  it('counts finished images and shows the phase', () => {
    const run = { ...aRun([image('a', 'succeeded', []), image('b', 'running', [])]), phase: 'images' };
    expect(countsLine(run, 65_000)).toMatch(
      /^\[#+-+\] 1\/2 images {2}succeeded 1 {2}failed 0 {2}running 1 .* 1m05s {2}\(images\)$/,
    );
  });

  it('the live frame lists images in flight first and ends with the counts', () => {
    const run = aRun([
      image('done', 'succeeded', [['tile', 'succeeded']]),
      image('busy', 'running', [
        ['tile', 'succeeded'],
        ['predict', 'running'],
      ]),
    ]);
    const frame = liveFrame(run, 1000);
    expect(frame[0]).toContain('busy');
    expect(frame[0]).toContain('tile ✓  predict ▶');
    expect(frame[frame.length - 1]).toContain('1/2 images');
  });

  it('plain mode prints only what changed', () => {
    const before = aRun([image('a', 'running', [['tile', 'running']]), image('b', 'pending', [])]);
    const after = aRun([image('a', 'running', [['tile', 'succeeded']]), image('b', 'pending', [])]);
    expect(changeLines(undefined, before, 0)).toHaveLength(3);
    const lines = changeLines(before, after, 0);
    expect(lines).toEqual([expect.stringMatching(/^damage-assessment\/a\.pgm: running {2}tile ✓$/)]);
  });

  it('the result table has a column per step with exit codes and durations', () => {
    const run = aRun(
      [image('a', 'succeeded', [['tile', 'succeeded', 0]]), image('b', 'failed', [['tile', 'failed', 1]])],
      'partially_succeeded',
    );
    const [header, ...rows] = resultTable(run);
    expect(header).toMatch(/^IMAGE\s+STATUS\s+TILE\s+TIME$/);
    expect(rows[0]).toMatch(/a\.pgm\s+succeeded\s+✓ exit 0\s+12s/);
    expect(rows[1]).toMatch(/b\.pgm\s+failed\s+✗ exit 1\s+12s/);
  });

  it('shows a cached step as cached (no exit code: it ran no container), live and in the table', () => {
    const run = aRun(
      [
        image('a', 'succeeded', [
          ['tile', 'cached'],
          ['predict', 'succeeded', 0],
        ]),
      ],
      'succeeded',
    );
    const [, row] = resultTable(run);
    expect(row).toMatch(/a\.pgm\s+succeeded\s+≡ cached\s+✓ exit 0/);
    expect(liveFrame(run, 0)[0]).toContain('tile ≡  predict ✓');
  });
});

describe('the live view in a narrow terminal', () => {
  const many = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      image(`scene-with-a-long-name-${String(i).padStart(4, '0')}`, i % 3 ? 'running' : 'succeeded', [
        ['tile', 'succeeded'],
        ['detect-buildings', i % 3 ? 'running' : 'succeeded'],
        ['classify-damage', i % 3 ? 'waiting' : 'succeeded'],
        ['report', 'pending'],
      ]),
    );

  it.each([60, 40, 80, 120])('fits every line in %i columns', (columns) => {
    const run = { ...aRun(many(30)), phase: 'images' };
    const frame = liveFrame(run, 3_725_000, 10, columns);
    for (const line of frame) expect([...line].length).toBeLessThanOrEqual(columns);
    expect(frame).toHaveLength(12); // 10 images, "… and 20 more images", the counts
    expect(frame[10]).toBe('  … and 20 more images');
    expect(frame[11]).toMatch(/10\/30/);
  });

  it('keeps the counts readable at 60 columns (a shorter bar and short labels)', () => {
    const line = countsLine(aRun(many(30)), 65_000, 60);
    expect(line.length).toBeLessThanOrEqual(60);
    expect(line).toMatch(/^\[#*-*\] 10\/30 ok 10 fail 0 run 20 wait 0 1m05s$/);
  });

  it('shows a state it does not know by name, and ends a run whose orchestration ended', () => {
    const run = aRun([
      image('a', 'held_for_review', [
        ['tile', 'cached'],
        ['predict', 'held_for_review'],
      ]),
    ]);
    expect(stepSummary(run.images[0]!)).toBe('tile ≡  predict held_for_review');
    expect(liveFrame(run, 0, 10, 100)[0]).toMatch(
      /a\.pgm +• held_for_review tile ≡ {2}predict held_for_review/,
    );
    expect(resultTable(run)[1]).toMatch(/held_for_review\s+≡ cached\s+held_for_review/);
    expect(hasEnded({ status: 'held_for_review', runtimeStatus: 'Completed' })).toBe(true);
    expect(hasEnded({ status: 'held_for_review', runtimeStatus: 'Running' })).toBe(false);
    expect(hasEnded({ status: 'running', runtimeStatus: 'Completed' })).toBe(false);
    expect(hasEnded({ status: 'terminated', runtimeStatus: 'Terminated' })).toBe(true);
  });

  it('gives the cost with its currency, and the run its own duration', () => {
    expect(costLine({ total: 0.00017, aci: 0.00017, batch: 0 })).toBe(
      'Cost estimate: 0.000170 USD (ACI 0.000170, Batch 0.000000)',
    );
    expect(costLine({ total: 1.5, currency: 'EUR' })).toBe('Cost estimate: 1.500000 EUR');
    expect(costLine(undefined)).toBeUndefined();
    const times = { createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:01:05.000Z' };
    expect(runDurationMs(times, true, Date.parse('2026-01-01T01:00:00.000Z'))).toBe(65_000);
    expect(runDurationMs(times, false, Date.parse('2026-01-01T00:02:00.000Z'))).toBe(120_000);
  });
});
