/**
 * A flotilla app "deployed" the way a user sets one up by hand: `flotilla emulators --write-settings
 * <app>/local.settings.json`, then `flotilla host --app <app>` (both the built CLI, as child processes). The
 * app folder links the repository's build (package.json, host.json, dist), so the settings file lands in a
 * temporary folder, not in the repository. The CLI under test then reaches it with FLOTILLA_TARGET.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../../packages/emulators/stack';
import { CLI, ROOT } from './cli';

export interface DeployedApp {
  readonly url: string;
  readonly key: string;
  readonly appDir: string;
  /** What the app got from `flotilla emulators --write-settings` (local.settings.json `Values`). */
  readonly settings: Record<string, string>;
  /** The environment a user's shell has for the CLI: the target, the key, the stack's certificate. */
  readonly cliEnv: NodeJS.ProcessEnv;
  readonly emulatorsOut: () => string;
  stop(): Promise<void>;
}

function start(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; out: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { FLOTILLA_LOCAL_ENGINE: 'process', ...process.env, FLOTILLA_CONFIG: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { child, out: () => text };
}

async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  log: () => string,
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} within ${timeoutMs} ms; output:\n${log()}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', () => (clearTimeout(timer), resolve()));
    child.kill('SIGTERM');
  });
}

export async function startDeployedApp(dir: string): Promise<DeployedApp> {
  const appDir = join(dir, 'app');
  mkdirSync(appDir, { recursive: true });
  for (const name of ['package.json', 'host.json', 'dist']) symlinkSync(join(ROOT, name), join(appDir, name));
  const port = await freePort();
  const settingsFile = join(appDir, 'local.settings.json');
  const emulators = start(
    [
      'emulators',
      '--state',
      join(dir, 'emulators'),
      '--write-settings',
      settingsFile,
      '--host-port',
      String(port),
    ],
    {},
  );
  const children = [emulators.child];
  const stop = async () => {
    for (const child of children.reverse()) await stopChild(child);
  };
  try {
    await until(
      'flotilla emulators was not ready',
      () => /emulators: ready/.test(emulators.out()),
      90_000,
      emulators.out,
    );
    const settings = (JSON.parse(readFileSync(settingsFile, 'utf8')) as { Values: Record<string, string> })
      .Values;
    const key = randomBytes(18).toString('base64url');
    // Only what `flotilla host --app .` gets from a user's shell: the app's settings come from its folder.
    const host = start(['host', '--app', appDir, '--port', String(port), '--key', key, '--quiet'], {});
    children.push(host.child);
    const url = `http://127.0.0.1:${port}`;
    await until(
      'the host did not answer /api/health',
      async () => {
        if (host.child.exitCode !== null) throw new Error(`flotilla host exited:\n${host.out()}`);
        try {
          return (await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) })).ok;
        } catch {
          return false;
        }
      },
      90_000,
      host.out,
    );
    return {
      url,
      key,
      appDir,
      settings,
      cliEnv: {
        FLOTILLA_TARGET: url,
        FLOTILLA_FUNCTION_KEY: key,
        // Uploads and downloads go straight to the stack's Azurite, over its certificate.
        NODE_EXTRA_CA_CERTS: settings.NODE_EXTRA_CA_CERTS,
        NO_PROXY: '127.0.0.1,localhost',
      },
      emulatorsOut: emulators.out,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
