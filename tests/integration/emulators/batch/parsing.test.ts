import { matchFiles } from '../../../../packages/emulators/batch/blob-transfer';
import {
  parseBindMounts,
  parseDuration,
  parseMemoryLimit,
  splitCommandLine,
} from '../../../../packages/emulators/batch/command-line';
import type { BatchHttpError } from '../../../../packages/emulators/batch/errors';
import { compileFilter, type FilterFields } from '../../../../packages/emulators/batch/odata-filter';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('Batch command lines (no shell: split like Batch on Linux)', () => {
  it.each([
    ['date && hostname', ['date', '&&', 'hostname']],
    [`/bin/sh -c "echo a && echo 'b'"`, ['/bin/sh', '-c', "echo a && echo 'b'"]],
    [`/bin/sh -c 'echo "$HOME"'`, ['/bin/sh', '-c', 'echo "$HOME"']],
    ['  python3   run.py --x=1  ', ['python3', 'run.py', '--x=1']],
    [`a "" b\\ c "d\\"e"`, ['a', '', 'b c', 'd"e']],
  ])('splits %j', (line, argv) => {
    expect(splitCommandLine(line)).toEqual(argv);
  });

  it('names an unterminated quote', () => {
    expect(() => splitCommandLine(`/bin/sh -c "echo`)).toThrow(/unterminated " quote/);
  });

  it('finds bind mounts in docker create options', () => {
    expect(
      parseBindMounts(
        '--rm -v /mnt/batch/tasks/x/wd/in:/flotilla/in:ro --volume=/a:/b --mount type=bind,source=/c,target=/d --gpus all -e X=1',
      ),
    ).toEqual([
      { hostPath: '/mnt/batch/tasks/x/wd/in', containerPath: '/flotilla/in' },
      { hostPath: '/a', containerPath: '/b' },
      { hostPath: '/c', containerPath: '/d' },
    ]);
    expect(parseBindMounts('-v named-volume:/data')).toEqual([]);
  });

  it('finds the memory limit in docker create options, as the node engine enforces it', () => {
    expect(parseMemoryLimit('-v /a:/b --memory 205m')).toBe(205 * 1024 ** 2);
    expect(parseMemoryLimit('--memory=1.5g -v /a:/b')).toBe(1.5 * 1024 ** 3);
    expect(parseMemoryLimit('-m 65536k')).toBe(64 * 1024 ** 2);
    expect(parseMemoryLimit('-v /a:/b')).toBeUndefined();
    expect(parseMemoryLimit('--memory lots')).toBeUndefined();
  });

  it('parses ISO 8601 durations as the SDK sends them', () => {
    expect(parseDuration('PT10M')).toBe(600_000);
    expect(parseDuration('P1DT2H')).toBe(26 * 3_600_000);
    expect(parseDuration('PT1.5S')).toBe(1500);
    expect(parseDuration('10 minutes')).toBeUndefined();
    expect(parseDuration('PT')).toBeUndefined();
  });
});

describe('Batch $filter subset', () => {
  interface Row {
    state: string;
    exit?: number;
    at: number;
  }
  const fields: FilterFields<Row> = {
    state: { kind: 'string', read: (r) => r.state },
    'executionInfo/exitCode': { kind: 'number', read: (r) => r.exit },
    creationTime: { kind: 'date', read: (r) => r.at },
  };
  const rows: Row[] = [
    { state: 'completed', exit: 0, at: Date.UTC(2026, 0, 1) },
    { state: 'completed', exit: 3, at: Date.UTC(2026, 0, 2) },
    { state: 'active', at: Date.UTC(2026, 0, 3) },
  ];
  const run = (filter: string) => rows.filter(compileFilter(filter, fields)).map((r) => rows.indexOf(r));

  it('evaluates comparisons, and/or/not and parentheses', () => {
    expect(run("state eq 'completed'")).toEqual([0, 1]);
    expect(run("state ne 'completed'")).toEqual([2]);
    expect(run('executionInfo/exitCode ge 1')).toEqual([1]);
    expect(run("not (state eq 'active') and executionInfo/exitCode lt 1")).toEqual([0]);
    expect(run("creationTime gt datetime'2026-01-01T12:00:00Z' or executionInfo/exitCode eq 0")).toEqual([
      0, 1, 2,
    ]);
    expect(
      run("(state eq 'active' or state eq 'completed') and creationTime le '2026-01-02T00:00:00Z'"),
    ).toEqual([0, 1]);
    expect(run("state eq 'COMPLETED'")).toEqual([0, 1]);
  });

  it('rejects what it does not support, naming the reason', () => {
    const failure = (filter: string) => {
      try {
        compileFilter(filter, fields);
      } catch (error) {
        return error as BatchHttpError;
      }
      throw new Error(`${filter} was accepted`);
    };
    expect(failure("commandLine eq 'x'")).toMatchObject({ status: 400, code: 'InvalidQueryParameterValue' });
    expect(failure("commandLine eq 'x'").values).toContainEqual({
      key: 'Reason',
      value: expect.stringContaining('commandLine'),
    });
    expect(failure("state gt 'a'").code).toBe('InvalidQueryParameterValue');
    expect(failure("state eq 'a' xor state eq 'b'").code).toBe('InvalidQueryParameterValue');
  });
});

describe('Batch output file patterns', () => {
  let wd: string;
  beforeAll(() => {
    const root = mkdtempSync(join(tmpdir(), 'flotilla-batch-glob-'));
    wd = join(root, 'wd');
    for (const f of ['out/a.txt', 'out/sub/b.txt', 'out/sub/c.log', 'top.txt']) {
      mkdirSync(join(wd, f, '..'), { recursive: true });
      writeFileSync(join(wd, f), f);
    }
    writeFileSync(join(root, 'stdout.txt'), 'o');
    writeFileSync(join(root, 'stderr.txt'), 'e');
  });
  afterAll(() => rmSync(join(wd, '..'), { recursive: true, force: true }));

  const rel = (pattern: string) =>
    matchFiles(wd, pattern)
      .map((m) => m.relative)
      .sort();
  it('matches **, * and parent-relative patterns', () => {
    expect(rel('out/**')).toEqual(['a.txt', 'sub/b.txt', 'sub/c.log']);
    expect(rel('**/*.txt')).toEqual(['out/a.txt', 'out/sub/b.txt', 'top.txt']);
    expect(rel('out/*.txt')).toEqual(['a.txt']);
    expect(rel('../std*.txt')).toEqual(['stderr.txt', 'stdout.txt']);
    expect(matchFiles(wd, 'top.txt')).toEqual([
      expect.objectContaining({ relative: 'top.txt', wildcard: false }),
    ]);
    expect(rel('missing.txt')).toEqual([]);
  });
});
