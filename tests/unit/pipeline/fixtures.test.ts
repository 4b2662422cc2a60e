import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePipeline } from '../../../src/pipeline';
import { show } from './helpers';

/**
 * Every file in tests/fixtures/specs is invalid on purpose. YAML fixtures list what they expect in
 * `# expect <line>: <path>: <message start>` comments; JSON fixtures in fixtures.expect.json.
 */
const dir = join(__dirname, '../../fixtures/specs');
const jsonExpectations = JSON.parse(readFileSync(join(dir, 'fixtures.expect.json'), 'utf8')) as Record<
  string,
  string[]
>;
const files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f) && f !== 'fixtures.expect.json');

function expectations(file: string, text: string): string[] {
  if (file.endsWith('.json')) return jsonExpectations[file] ?? [];
  return [...text.matchAll(/^# expect (.*)$/gm)].map((m) => m[1] ?? '');
}

describe('invalid spec fixtures', () => {
  it('has fixtures, each with expectations', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const file of files)
      expect([file, expectations(file, readFileSync(join(dir, file), 'utf8')).length > 0]).toEqual([
        file,
        true,
      ]);
  });

  it.each(files)('%s reports exactly the expected errors, in order', (file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const result = parsePipeline(text, { fileName: file });
    const actual = result.ok ? [] : result.errors.map((e) => `${e.line ?? '?'}: ${e.path}: ${e.message}`);
    const expected = expectations(file, text);
    expect(actual).toHaveLength(expected.length);
    expected.forEach((start, index) => {
      expect([index, actual[index]?.startsWith(start) ? start : actual[index]]).toEqual([index, start]);
    });
    if (!result.ok) for (const error of result.errors) expect(error.column).toBeGreaterThan(0);
    expect(result.ok ? '' : result.errors.map(show).join('\n')).not.toMatch(/ghp_/);
  });
});
