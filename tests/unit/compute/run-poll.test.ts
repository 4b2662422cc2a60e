import type { BatchServiceModels } from '@azure/batch';
import { completedFilter, foldCompleted } from '../../../src/compute/batch/run-poll';
import { taskDisplayName } from '../../../src/compute/batch/task-body';

const t = (id: string, at: string, exitCode = 0): BatchServiceModels.CloudTask => ({
  id,
  displayName: taskDisplayName({ imageKey: id, step: 's', attempt: 1 }),
  state: 'completed',
  stateTransitionTime: new Date(at),
  executionInfo: { retryCount: 0, requeueCount: 0, exitCode, result: exitCode === 0 ? 'success' : 'failure' },
});

describe('Batch completion watermarks', () => {
  it('asks for completed tasks, then for those completed at or after the watermark', () => {
    expect(completedFilter(undefined)).toBe("state eq 'completed'");
    expect(completedFilter('2026-11-22T06:00:00.000Z|a,b')).toBe(
      "state eq 'completed' and stateTransitionTime ge datetime'2026-11-22T06:00:00.000Z'",
    );
  });

  it('reports each completion once, even when tasks complete in the same instant across polls', () => {
    const first = foldCompleted('r', [t('a', '2026-11-22T06:00:00Z'), t('b', '2026-11-22T06:00:01Z', 2)]);
    expect(first.completed.map((c) => [c.imageKey, c.state, c.exitCode])).toEqual([
      ['a', 'succeeded', 0],
      ['b', 'failed', 2],
    ]);
    expect(first.watermark).toBe('2026-11-22T06:00:01.000Z|b');
    // The next list (ge the watermark) returns b again and c, which completed in the same instant.
    const second = foldCompleted(
      'r',
      [t('b', '2026-11-22T06:00:01Z', 2), t('c', '2026-11-22T06:00:01Z')],
      first.watermark,
    );
    expect(second.completed.map((c) => c.imageKey)).toEqual(['c']);
    expect(second.watermark).toBe('2026-11-22T06:00:01.000Z|b,c');
    const third = foldCompleted(
      'r',
      [t('b', '2026-11-22T06:00:01Z'), t('c', '2026-11-22T06:00:01Z')],
      second.watermark,
    );
    expect(third).toEqual({ completed: [], watermark: second.watermark });
  });

  it('skips tasks that are not flotilla steps', () => {
    const foreign = { ...t('x', '2026-11-22T06:00:00Z'), displayName: 'someone else' };
    expect(foldCompleted('r', [foreign]).completed).toEqual([]);
  });
});
