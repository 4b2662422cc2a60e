import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.join(__dirname, '../../..');
const appDir = path.join(root, 'tests/fixtures/apps/basic');

function waitFor(
  child: ChildProcess,
  output: { text: string },
  pattern: RegExp,
  timeoutMs = 20000,
): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${pattern}; output so far:\n${output.text}`)),
      timeoutMs,
    );
    const check = () => {
      const match = pattern.exec(output.text);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off('data', check);
        resolve(match);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ${pattern}; output:\n${output.text}`));
    });
    check();
  });
}

describe('flotilla host (compiled CLI)', () => {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'flotilla-host-cli-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('prints the functions with their URLs, serves requests and stops on SIGTERM', async () => {
    expect(existsSync(path.join(root, 'dist/packages/cli/commands/host.js'))).toBe(true); // `npm run build` first
    const stdout = { text: '' };
    const stderr = { text: '' };
    child = spawn(
      process.execPath,
      [
        'packages/cli/bin/flotilla.js',
        'host',
        '--app',
        appDir,
        '--port',
        '0',
        '--state',
        stateDir,
        '--key',
        'cli-key',
      ],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout!.on('data', (chunk: Buffer) => (stdout.text += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr.text += chunk.toString()));
    const [, url] = await waitFor(child, stdout, /Host listening on (http:\/\/127\.0\.0\.1:\d+)/);
    expect(stdout.text).toContain('Functions:');
    expect(stdout.text).toContain(`  health: [GET] ${url}/api/health`);
    expect(stdout.text).toContain(`  echo: [GET,POST] ${url}/api/items/{id:int}/{name?}`);
    expect(stdout.text).toContain('default (authLevel function): cli-key');

    const health = await fetch(`${url}/api/health`);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect((await fetch(`${url}/api/secret?code=cli-key`)).status).toBe(200);

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr.text).toContain("Executed 'health' (Succeeded)");
    expect(stderr.text).toContain('stopping');
  });

  it('hosts an ESM app (require proxy in plain Node) and runs appTerminate on SIGTERM', async () => {
    const stdout = { text: '' };
    let stderr = '';
    child = spawn(
      process.execPath,
      [
        'packages/cli/bin/flotilla.js',
        'host',
        '--app',
        path.join(root, 'tests/fixtures/apps/esm'),
        '--port',
        '0',
        '--state',
        stateDir,
      ],
      {
        cwd: root,
        env: { ...process.env, FIXTURE_ANNOUNCE_TERMINATE: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout!.on('data', (chunk: Buffer) => (stdout.text += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [, url] = await waitFor(child, stdout, /Host listening on (http:\/\/127\.0\.0\.1:\d+)/);
    expect(stdout.text).toContain(`  hello: [GET] ${url}/hello/{who?}`);
    expect(await (await fetch(`${url}/hello/node`)).text()).toBe('hello node');
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('fixture-esm: appTerminate ran');
  });

  it('fails with a clear message for a folder that is not an app', async () => {
    const result = spawn(
      process.execPath,
      ['packages/cli/bin/flotilla.js', 'host', '--app', stateDir, '--port', '0'],
      {
        cwd: root,
      },
    );
    let err = '';
    result.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => result.once('exit', resolve));
    expect(code).toBe(1);
    expect(err).toContain('no package.json');
  });
});
