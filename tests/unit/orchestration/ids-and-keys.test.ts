import { instanceIds, RUN_ID_PATTERN } from '../../../src/runs/ids';
import { blobRunId, newRunId } from '../../../src/runs/run-ids';
import { IMAGE_KEY_PATTERN, imageKey, relativeToPrefix } from '../../../src/runs/image-key';

describe('run ids', () => {
  it('are random and well-formed for POST', () => {
    const ids = new Set(Array.from({ length: 50 }, () => newRunId()));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(RUN_ID_PATTERN.test(id)).toBe(true);
  });

  it('derive from blob URL and ETag: the same event gives the same run, a new ETag a new run', () => {
    const url = 'https://acct.blob.core.windows.net/images/damage/a.tif';
    expect(blobRunId(url, '"0x8DC1"')).toBe(blobRunId(url, '0x8DC1'));
    expect(blobRunId(url, '0x8DC1')).not.toBe(blobRunId(url, '0x8DC2'));
    expect(blobRunId(url, '0x8DC1')).not.toBe(blobRunId(`${url}x`, '0x8DC1'));
    expect(RUN_ID_PATTERN.test(blobRunId(url, '0x8DC1'))).toBe(true);
  });

  it('refuses ids that are not run ids', () => {
    for (const bad of ['', 'R-ABC', 'r-../x', 'r-a b', `r-${'a'.repeat(60)}`])
      expect(RUN_ID_PATTERN.test(bad)).toBe(false);
  });

  it('name instances per docs/orchestration.md', () => {
    expect(instanceIds.lane('r-1234', 3)).toBe('r-1234:lane:3');
    expect(instanceIds.step('r-1234', 'img-1', 'tile')).toBe('r-1234:img:img-1:tile');
    expect(instanceIds.finalize('r-1234')).toBe('r-1234:finalize');
    expect(instanceIds.batchMonitor('r-1234')).toBe('r-1234:batch-monitor');
  });
});

describe('image keys', () => {
  it('keep safe short names as they are', () => {
    expect(imageKey('scene-001')).toBe('scene-001');
  });

  it('sanitise and hash other names, so keys are safe and distinct', () => {
    const names = [
      'A.tif',
      'a-tif',
      'a.tif',
      'dir/a.tif',
      'dir/A.TIF',
      '日本.tif',
      '...',
      `${'x'.repeat(300)}.tif`,
    ];
    const keys = names.map(imageKey);
    expect(new Set(keys).size).toBe(names.length);
    for (const key of keys) {
      expect(key).toMatch(IMAGE_KEY_PATTERN);
      expect(key.length).toBeLessThanOrEqual(49);
    }
    expect(imageKey('dir/A.tif')).toBe(imageKey('dir/A.tif'));
  });

  it('refuse an empty name', () => {
    expect(() => imageKey('')).toThrow(/empty/);
  });

  it('strip the pipeline input prefix with or without a trailing slash', () => {
    expect(relativeToPrefix('damage/a/b.tif', 'damage')).toBe('a/b.tif');
    expect(relativeToPrefix('damage/a/b.tif', 'damage/')).toBe('a/b.tif');
    expect(relativeToPrefix('other/b.tif', 'damage/')).toBe('other/b.tif');
    expect(relativeToPrefix('b.tif', undefined)).toBe('b.tif');
  });
});
