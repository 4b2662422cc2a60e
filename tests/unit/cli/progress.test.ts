import type { ImageView, RunView } from '../../../packages/cli/api-client';
import { changeLines, countsLine, liveFrame, progressBar, resultTable } from '../../../packages/cli/progress';

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
