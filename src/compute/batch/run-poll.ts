import type { BatchServiceModels } from '@azure/batch';
import type { RunPoll, StepReport } from '../port';
import { parseDisplayName } from './task-body';
import { taskStatus } from './task-status';

/**
 * Watermarks for "completed tasks since the last poll": `<ISO time>|<ids completed at exactly that time>`.
 * The list asks for `stateTransitionTime ge <time>` (ge, not gt: a task completing in the same instant as the
 * last one seen is not lost) and the ids already reported at that instant are skipped.
 */
export const TASK_SELECT = 'id,displayName,state,stateTransitionTime,executionInfo';

interface Watermark {
  readonly since: string;
  readonly seen: ReadonlySet<string>;
}

export function parseWatermark(watermark: string | undefined): Watermark {
  const [since = '', ids = ''] = (watermark ?? '').split('|');
  return { since, seen: new Set(ids ? ids.split(',') : []) };
}

export function completedFilter(watermark: string | undefined): string {
  const { since } = parseWatermark(watermark);
  return since
    ? `state eq 'completed' and stateTransitionTime ge datetime'${since}'`
    : `state eq 'completed'`;
}

/** The steps newly completed in a task list, and the next watermark. */
export function foldCompleted(
  runId: string,
  tasks: readonly BatchServiceModels.CloudTask[],
  watermark?: string,
): RunPoll {
  const { since, seen } = parseWatermark(watermark);
  let mark = since;
  let atMark = new Set(seen);
  const completed: StepReport[] = [];
  for (const task of tasks) {
    const id = parseDisplayName(task.displayName);
    const at = task.stateTransitionTime ? new Date(task.stateTransitionTime).toISOString() : '';
    if (!id || !task.id || task.state !== 'completed' || (at === since && seen.has(task.id))) continue;
    completed.push({ runId, ...id, ...taskStatus(task) });
    if (at > mark) {
      mark = at;
      atMark = new Set();
    }
    if (at === mark) atMark.add(task.id);
  }
  return { completed, watermark: mark ? `${mark}|${[...atMark].join(',')}` : '' };
}
