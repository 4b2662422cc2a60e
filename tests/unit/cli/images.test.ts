import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageSelectionError, selectImages } from '../../../packages/cli/run/images';

describe('--images selection', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'flotilla-images-'));
    for (const name of ['b.pgm', 'a.pgm', 'notes.txt']) writeFileSync(join(dir, name), 'x');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('expands globs to sorted local files', async () => {
    expect(await selectImages([join(dir, '*.pgm')])).toEqual({
      kind: 'files',
      files: [join(dir, 'a.pgm'), join(dir, 'b.pgm')],
    });
  });

  it('takes names that are not local files as blob names, and a trailing slash as a prefix', async () => {
    expect(await selectImages(['site/a.tif', 'site/b.tif'])).toEqual({
      kind: 'blobs',
      names: ['site/a.tif', 'site/b.tif'],
    });
    expect(await selectImages(['damage-assessment/'])).toEqual({
      kind: 'prefix',
      prefix: 'damage-assessment/',
    });
  });

  it('refuses a glob that matches nothing, and a mix of files and blob names', async () => {
    await expect(selectImages([join(dir, '*.tif')])).rejects.toThrow(ImageSelectionError);
    await expect(selectImages([join(dir, 'a.pgm'), 'remote/x.tif'])).rejects.toThrow(/mixes local files/);
  });
});
