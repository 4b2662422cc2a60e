import { lastLines, truncateStoppedLog, withTimestamps } from '../../../../packages/emulators/aci/logs';

describe('ACI emulator: log rules', () => {
  it('keeps the last 1,000 lines of a stopped container', () => {
    const log = Array.from({ length: 1500 }, (_, i) => `line ${i}`).join('\n') + '\n';
    const kept = truncateStoppedLog(log);
    expect(kept.split('\n')).toHaveLength(1001);
    expect(kept.startsWith('line 500\n')).toBe(true);
    expect(kept.endsWith('line 1499\n')).toBe(true);
  });

  it('keeps at most 16 KB, whole lines only, even with multi-byte characters', () => {
    const line = `${'é'.repeat(99)}\n`; // 199 bytes
    const kept = truncateStoppedLog(line.repeat(200));
    expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(16 * 1024);
    expect(
      kept
        .split('\n')
        .slice(0, -1)
        .every((l) => l === 'é'.repeat(99)),
    ).toBe(true);
    expect(kept.length).toBeGreaterThan(0);
    expect(truncateStoppedLog('short\n')).toBe('short\n');
  });

  it('tails lines with and without a trailing newline', () => {
    expect(lastLines('a\nb\nc\n', 2)).toBe('b\nc\n');
    expect(lastLines('a\nb\nc', 2)).toBe('b\nc');
    expect(lastLines('a\nb\n', 5)).toBe('a\nb\n');
    expect(lastLines('a\nb\n', 0)).toBe('');
  });

  it('prefixes lines with the start time and the last line with the finish time', () => {
    expect(withTimestamps('x\ny\n', 'S', 'F')).toBe('S x\nF y\n');
    expect(withTimestamps('x\ny', 'S')).toBe('S x\nS y');
    expect(withTimestamps('', 'S')).toBe('');
  });
});
