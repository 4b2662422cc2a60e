import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatError, validateFiles, type Output } from '../../../packages/cli/commands/validate';

const root = join(__dirname, '../../..');
const samples = [
  'samples/damage-assessment/pipeline.yaml',
  'samples/hello/pipeline.json',
  'samples/diamond/pipeline.yaml',
];
const cycle = 'tests/fixtures/specs/cycle.yaml';
const errorLine = /^(?<file>[^:]+):(?<line>\d+):(?<col>\d+): (?<path>\S+): (?<message>.+)$/;

function capture(): Output & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

describe('validateFiles (the command module)', () => {
  const cwd = process.cwd();
  beforeAll(() => process.chdir(root));
  afterAll(() => process.chdir(cwd));

  it('prints one OK line per valid file and returns 0', async () => {
    const io = capture();
    expect(await validateFiles(samples, {}, io)).toBe(0);
    expect(io.stdout).toEqual([
      'samples/damage-assessment/pipeline.yaml: OK (damage-assessment: 3 steps + finalize)',
      'samples/hello/pipeline.json: OK (hello: 1 step)',
      'samples/diamond/pipeline.yaml: OK (diamond: 4 steps)',
    ]);
    expect(io.stderr).toEqual([]);
  });

  it('prints file:line:col: path: message for each error, a summary, and returns 1', async () => {
    const io = capture();
    expect(await validateFiles([samples[1]!, 'tests/fixtures/specs/unknown-keys.yaml'], {}, io)).toBe(1);
    expect(io.stdout).toEqual(['samples/hello/pipeline.json: OK (hello: 1 step)']);
    const lines = io.stderr.slice(0, -1);
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => errorLine.exec(l)?.groups?.path)).toEqual([
      'steps[0].memory',
      'steps[1].dependson',
      'tolerated',
    ]);
    expect(lines[0]).toMatch(
      /^tests\/fixtures\/specs\/unknown-keys\.yaml:8:\d+: steps\[0\]\.memory: unknown key "memory"/,
    );
    expect(io.stderr.at(-1)).toBe('flotilla validate: 3 problems in 1 of 2 files');
  });

  it('reports an unreadable file clearly and returns 1', async () => {
    const io = capture();
    expect(await validateFiles(['no/such/pipeline.yaml', 'samples'], {}, io)).toBe(1);
    expect(io.stderr).toEqual([
      'no/such/pipeline.yaml: cannot read no/such/pipeline.yaml: no such file',
      'samples: cannot read samples: it is a directory',
      'flotilla validate: 2 problems in 2 of 2 files',
    ]);
  });

  it('expands quoted glob patterns and reports patterns that match nothing', async () => {
    const io = capture();
    expect(await validateFiles(['samples/**/pipeline.*', 'nothing/**/*.yaml'], {}, io)).toBe(1);
    expect(io.stdout).toHaveLength(
      readdirSync(join(root, 'samples')).filter((d) => statSync(join(root, 'samples', d)).isDirectory())
        .length,
    );
    expect(io.stderr[0]).toBe('nothing/**/*.yaml: no files match this pattern');
  });

  it('prints a JSON report with --json', async () => {
    const io = capture();
    expect(await validateFiles([cycle], { json: true }, io)).toBe(1);
    const report = JSON.parse(io.stdout.join('\n')) as {
      ok: boolean;
      files: { file: string; errors: { path: string; line: number }[] }[];
    };
    expect(report.ok).toBe(false);
    expect(report.files[0]?.errors).toEqual([
      expect.objectContaining({ path: 'steps[0].dependsOn[0]', line: 8 }),
    ]);
  });

  it('formats errors without a position as file: message', () => {
    expect(formatError('p.yaml', { path: '', message: 'boom' })).toBe('p.yaml: boom');
    expect(formatError('p.yaml', { path: 'name', message: 'bad', line: 2, column: 7 })).toBe(
      'p.yaml:2:7: name: bad',
    );
  });
});

describe('flotilla validate (the compiled CLI)', () => {
  const bin = join(root, 'packages/cli/bin/flotilla.js');
  let dir: string;

  beforeAll(() => {
    ensureBuild();
    dir = mkdtempSync(join(tmpdir(), 'flotilla-validate-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (...args: string[]) =>
    spawnSync(process.execPath, [bin, 'validate', ...args], { cwd: root, encoding: 'utf8' });

  it('exits 0 on the samples, OK lines on stdout and nothing on stderr', () => {
    const result = run(...samples);
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(samples.length);
    expect(result.stderr).toBe('');
  });

  it('exits 1 with errors on stderr, including YAML syntax errors with line and column', () => {
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'name: x\nsteps:\n  - id: a\n    image: busybox: 1.36\n');
    const result = run(broken, cycle);
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toMatch(
      new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:\\d+: YAML syntax: `),
    );
    expect(lines[1]).toMatch(
      /^tests\/fixtures\/specs\/cycle\.yaml:8:17: steps\[0\]\.dependsOn\[0\]: dependsOn forms a cycle: tile -> vectorize -> predict -> tile/,
    );
    expect(lines.at(-1)).toBe('flotilla validate: 2 problems in 2 of 2 files');
  });

  it('exits 1 with a usage message when no file is given', () => {
    const result = run();
    expect(result.status).toBe(64);
    expect(result.stderr).toMatch(/missing required argument 'file'/);
  });
});

/** `npm test` builds first; a targeted run rebuilds when the compiled CLI is older than its sources. */
function ensureBuild(): void {
  const newest = (dir: string): number =>
    Math.max(
      ...readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts'))
        .map((f) => statSync(join(dir, f)).mtimeMs),
    );
  const compiled = join(root, 'dist/packages/cli/commands/validate.js');
  let builtAt = 0;
  try {
    builtAt = Math.min(
      statSync(compiled).mtimeMs,
      statSync(join(root, 'dist/src/pipeline/index.js')).mtimeMs,
    );
  } catch {
    builtAt = 0;
  }
  if (builtAt >= Math.max(newest(join(root, 'src/pipeline')), newest(join(root, 'packages/cli')))) return;
  // Type errors elsewhere in the tree still emit JavaScript; the CLI tests check the behaviour.
  spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'ignore',
  });
  expect(statSync(compiled).mtimeMs).toBeGreaterThanOrEqual(builtAt);
}
