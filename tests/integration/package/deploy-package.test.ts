import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `npm run package` builds the deployment package (.deploy/app). Loaded from a folder outside the repository
 * (so no module can come from the repository's node_modules), its dist/src/index.js registers every function
 * the development build does, with its production dependencies alone; and it holds no stand-in and no CLI.
 */
const root = join(__dirname, '../../..');
const cli = join(root, 'packages/cli/bin/flotilla.js');
const deploy = join(root, '.deploy/app');

let outside: string;
const children: ChildProcess[] = [];

function sizeOf(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, entry) => sum + sizeOf(join(path, entry)), 0);
}

function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

/** Starts `flotilla host` on an app folder and resolves with the function names it printed. */
function registeredFunctions(appDir: string): Promise<string[]> {
  const child = spawn(
    process.execPath,
    [cli, 'host', '--app', appDir, '--port', '0', '--state', join(outside, `state-${children.length}`)],
    { cwd: outside, env: { ...process.env, FLOTILLA_TASK_HUB: 'packagetest' }, stdio: 'pipe' },
  );
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the host did not start in 60 s:\n${out}`)), 60_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (!out.includes('Host listening')) return;
      clearTimeout(timer);
      const names = [...out.matchAll(/^ {2}(\w+): /gm)].map((m) => m[1] ?? '');
      resolve(names.sort());
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`the host exited (${code}) before it listened:\n${out}`)));
  });
}

beforeAll(() => {
  const result = spawnSync('npm', ['run', 'package', '--silent'], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm run package failed:\n${result.stdout}\n${result.stderr}`);
  outside = mkdtempSync(join(tmpdir(), 'flotilla-package-'));
  cpSync(deploy, join(outside, 'app'), { recursive: true });
}, 240_000);

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(outside, { recursive: true, force: true });
});

it('holds compiled JS, host.json, package.json and production node_modules, nothing else', () => {
  expect(readdirSync(deploy).sort()).toEqual([
    '.funcignore',
    'dist',
    'host.json',
    'node_modules',
    'package-lock.json',
    'package.json',
  ]);
  expect(readdirSync(join(deploy, 'dist'))).toEqual(['src']);
  const code = filesUnder(join(deploy, 'dist'));
  expect(code.length).toBeGreaterThan(50);
  expect(code.filter((f) => !f.endsWith('.js') && !/^src\/ui\/[\w.-]+\.(html|css)$/.test(f))).toEqual([]);
  expect(code.filter((f) => /(^|\/)(cli|emulators)\//.test(f))).toEqual([]);
  const pkg = JSON.parse(readFileSync(join(deploy, 'package.json'), 'utf8')) as Record<string, unknown>;
  expect(Object.keys(pkg).sort()).toEqual(
    ['dependencies', 'description', 'engines', 'license', 'main', 'name', 'private', 'version'].sort(),
  );
  expect(pkg.main).toBe('dist/src/index.js');
});

it('has no Azurite, no emulator, no CLI and no dev tool in node_modules, and stays within 150 MB', () => {
  const modules = join(deploy, 'node_modules');
  for (const name of [
    'azurite',
    'selfsigned',
    'commander',
    'tinyglobby',
    '@flotilla',
    'typescript',
    'jest',
  ]) {
    expect({ name, present: existsSync(join(modules, name)) }).toEqual({ name, present: false });
  }
  expect(existsSync(join(modules, 'durable-functions'))).toBe(true);
  expect(sizeOf(modules)).toBeLessThanOrEqual(150 * 1024 * 1024);
});

it('registers every function of the app, loaded with its production dependencies only', async () => {
  const [packaged, development] = await Promise.all([
    registeredFunctions(join(outside, 'app')),
    registeredFunctions(root),
  ]);
  expect(packaged).toEqual(development);
  for (const name of ['startRun', 'callback', 'blobCreated', 'sweeper', 'runOrchestrator', 'startStep']) {
    expect(packaged).toContain(name);
  }
  expect(packaged.length).toBeGreaterThanOrEqual(25);
}, 120_000);

it('matches .funcignore: what the root would publish is what the package holds (node_modules aside)', () => {
  const patterns = readFileSync(join(root, '.funcignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  // gitignore rules, as Core Tools reads them: a leading `/` anchors to the root, a pattern without a `/`
  // matches a name at any depth, `*` stays within one name.
  const ignored = (path: string) =>
    patterns.some((p) => {
      const anchored = p.startsWith('/');
      const body = anchored ? p.slice(1) : p;
      const re = new RegExp(`^${body.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/|$)`);
      return re.test(path) || (!anchored && !body.includes('/') && re.test(path.split('/').pop() ?? ''));
    });
  // What a clean clone holds at its top (git's files; a test's stray output is not the repository's) + dist.
  const tracked = spawnSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).stdout.split('\n');
  const top = [...new Set(tracked.filter(Boolean).map((f) => f.split('/')[0] ?? f)), 'dist'];
  const published = top.filter((e) => !ignored(e));
  expect(published.sort()).toEqual(['dist', 'host.json', 'package.json']);
  const publishedDist = readdirSync(join(root, 'dist')).filter((e) => !ignored(`dist/${e}`));
  expect(publishedDist).toEqual(['src']);
});
