import { ApiError, parseWith } from '../../../src/api/http';
import { rerunImages, rerunPlan } from '../../../src/api/rerun-run';
import { rerunBody } from '../../../src/api/schemas';
import type { RunPlan } from '../../../src/runs/plan';
import type { ImageRecord } from '../../../src/runs/records';

const image = (name: string, status: ImageRecord['status']) =>
  ({ image: name, imageKey: name, status }) as unknown as ImageRecord;

describe('rerun', () => {
  it('defaults to failed, takes all, and names the field and the allowed values otherwise', () => {
    expect(parseWith(rerunBody, {}, 'the rerun request')).toEqual({ only: 'failed' });
    expect(parseWith(rerunBody, { only: 'all' }, 'the rerun request')).toEqual({ only: 'all' });
    for (const body of [{ only: 'some' }, { only: 1 }, { all: true }, []]) {
      let error: unknown;
      try {
        parseWith(rerunBody, body, 'the rerun request');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).status).toBe(400);
    }
    try {
      parseWith(rerunBody, { only: 'some' }, 'the rerun request');
    } catch (e) {
      expect((e as ApiError).details).toEqual([{ path: 'only', message: 'expected one of "failed", "all"' }]);
    }
  });

  it('picks failed and cancelled images, or all of them', () => {
    const manifest = { images: [image('a', 'succeeded'), image('b', 'failed'), image('c', 'cancelled')] };
    expect(rerunImages(manifest, 'failed')).toEqual(['b', 'c']);
    expect(rerunImages(manifest, 'all')).toEqual(['a', 'b', 'c']);
    expect(rerunImages({ images: [image('a', 'succeeded')] }, 'failed')).toEqual([]);
  });

  it("keeps the original plan, with the new id and time, linked to the original (not to the original's original)", () => {
    const original = {
      runId: 'r-old',
      pipeline: 'p',
      createdAt: '2026-01-01T00:00:00.000Z',
      rerunOf: 'r-older',
      steps: [{ id: 's', memoryGb: 3 }],
    } as unknown as RunPlan;
    const plan = rerunPlan(original, 'r-new', '2026-12-01T00:00:00.000Z');
    expect(plan).toEqual({
      ...original,
      runId: 'r-new',
      createdAt: '2026-12-01T00:00:00.000Z',
      rerunOf: 'r-old',
    });
  });
});
