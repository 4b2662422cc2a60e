import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The stager image holds Node and src/stager only: its files may import Node built-ins and each other. */
describe('the stager is dependency-free', () => {
  const dir = resolve(__dirname, '../../../src/stager');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));

  it.each(files)('%s imports only node: built-ins and stager files', (file) => {
    const source = readFileSync(join(dir, file), 'utf8');
    const imports = [...source.matchAll(/(?:from|require\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1] ?? '');
    const siblings = new Set(files.map((f) => `./${f.replace(/\.ts$/, '')}`));
    const foreign = imports.filter((i) => !i.startsWith('node:') && !siblings.has(i));
    expect(foreign).toEqual([]);
  });

  it('has the entry point the images run', () => {
    expect(files).toContain('main.ts');
  });
});
