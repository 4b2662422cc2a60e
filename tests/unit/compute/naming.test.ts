import type { StepRef } from '../../../src/compute/port';
import {
  batchJobId,
  batchTaskId,
  containerGroupName,
  resourceTags,
  slug,
  stagingContainerName,
  stagingPrefix,
} from '../../../src/compute/naming';

const ref = (over: Partial<StepRef> = {}): StepRef => ({
  runId: 'run-2026-11-22-abc',
  imageKey: 'tile_0001.tif',
  step: 'vectorize',
  attempt: 1,
  ...over,
});

const ACI_NAME = /^[a-z0-9]([a-z0-9]|-(?!-))*[a-z0-9]$/;

describe('deterministic names', () => {
  it('gives the same container group name for the same step attempt, and another for the next attempt', () => {
    expect(containerGroupName(ref())).toBe(containerGroupName(ref()));
    expect(containerGroupName(ref({ attempt: 2 }))).not.toBe(containerGroupName(ref()));
  });

  it('keeps ACI names lowercase, <= 63 characters, without leading, trailing or double hyphens', () => {
    const long = ref({
      runId: 'R'.repeat(120),
      imageKey: 'Some Image/With--Odd__chars.TIF'.repeat(5),
      step: 'X_'.repeat(40),
    });
    for (const r of [ref(), long, ref({ imageKey: '---', step: '...' })]) {
      const name = containerGroupName(r);
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(ACI_NAME);
    }
  });

  it('keeps names apart when slugging would merge them', () => {
    expect(containerGroupName(ref({ imageKey: 'a.b' }))).not.toBe(
      containerGroupName(ref({ imageKey: 'a_b' })),
    );
    expect(batchTaskId(ref({ imageKey: 'a.b' }))).not.toBe(batchTaskId(ref({ imageKey: 'a_b' })));
  });

  it('makes Batch ids of at most 64 letters, digits and hyphens', () => {
    const long = ref({
      runId: 'r'.repeat(200),
      imageKey: 'i'.repeat(200),
      step: 's'.repeat(100),
      attempt: 12,
    });
    for (const id of [batchJobId(long.runId), batchTaskId(long), batchTaskId(ref())]) {
      expect(id.length).toBeLessThanOrEqual(64);
      expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    expect(batchJobId('run-1')).toBe(batchJobId('run-1'));
  });

  it('slugs to lowercase letters, digits and single hyphens', () => {
    expect(slug('Hello, World__2', 40)).toBe('hello-world-2');
    expect(slug('abc-def', 4)).toBe('abc');
  });

  it('tags what the sweeper needs: managed-by, deployment, run, image, step, attempt and expiry', () => {
    const tags = resourceTags(ref(), new Date('2026-11-22T08:00:00Z'), 'd-one');
    expect(tags).toEqual({
      'managed-by': 'flotilla',
      'flotilla-deployment': 'd-one',
      run: 'run-2026-11-22-abc',
      image: 'tile_0001.tif',
      step: 'vectorize',
      attempt: '1',
      expiry: '2026-11-22T08:00:00.000Z',
    });
    expect(resourceTags({ runId: 'x'.repeat(400) }, new Date(0), 'd-one').run).toHaveLength(256);
  });

  it("names a Batch attempt's staging container validly, deterministically, under its run's prefix", () => {
    const name = stagingContainerName(ref());
    expect(name).toMatch(/^fl-stage-[0-9a-f]{12}-[0-9a-f]{20}$/);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name.startsWith(stagingPrefix(ref().runId))).toBe(true);
    expect(stagingContainerName(ref())).toBe(name);
    expect(stagingContainerName({ ...ref(), attempt: 2 })).not.toBe(name);
    expect(stagingContainerName({ ...ref(), step: 'other' })).not.toBe(name);
    // Another run's containers never share the prefix.
    expect(
      stagingContainerName({ ...ref(), runId: 'run-other' }).startsWith(stagingPrefix(ref().runId)),
    ).toBe(false);
  });
});
