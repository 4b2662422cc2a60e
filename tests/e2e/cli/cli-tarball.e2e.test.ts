import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The CLI as users install it: `npm run pack:cli` makes one tarball, `npm i -g` installs it into a fresh
 * prefix, and `flotilla run` from an empty folder (far from the repository) runs a sample pipeline end to end
 * on the embedded stack it brings along.
 */
const root = join(__dirname, '../../..');
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'flotilla-cli-tgz-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

it('installs globally from its tarball and runs a sample from an empty folder', () => {
  const pack = spawnSync('npm', ['run', 'pack:cli', '--silent'], { cwd: root, encoding: 'utf8' });
  expect(pack.status).toBe(0);
  const tarball = readdirSync(join(root, '.deploy')).find((f) => /^flotilla-cli-.*\.tgz$/.test(f));
  expect(tarball).toBeDefined();

  const prefix = join(work, 'prefix');
  const install = spawnSync(
    'npm',
    ['install', '-g', join(root, '.deploy', tarball ?? ''), '--prefix', prefix, '--prefer-offline'],
    {
      cwd: work,
      encoding: 'utf8',
      env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' },
    },
  );
  expect({ status: install.status, stderr: install.status === 0 ? '' : install.stderr }).toEqual({
    status: 0,
    stderr: '',
  });
  const flotilla = join(prefix, 'bin', 'flotilla');
  expect(existsSync(flotilla)).toBe(true);

  const empty = join(work, 'empty');
  mkdirSync(empty);
  writeFileSync(join(empty, 'photo-1.txt'), 'one\n');
  writeFileSync(join(empty, 'photo-2.txt'), 'two\n');
  const run = spawnSync(
    flotilla,
    ['run', join(root, 'samples/hello/pipeline.json'), '--images', join(empty, 'photo-*.txt'), '--json'],
    {
      cwd: empty,
      encoding: 'utf8',
      timeout: 240_000,
      env: { ...process.env, FLOTILLA_TASK_HUB: undefined, FLOTILLA_LOCAL_ENGINE: 'process' },
    },
  );
  expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr }).toEqual({
    status: 0,
    stderr: '',
  });
  const events = run.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const result = events.find((e) => e.event === 'result');
  expect(result).toMatchObject({ status: 'succeeded', counts: { succeeded: 2, failed: 0 } });
  // The installed CLI keeps its state in the folder it runs in, not in the repository.
  expect(existsSync(join(empty, '.flotilla'))).toBe(true);
}, 420_000);
