/**
 * Runs the compiled `flotilla` CLI (as a user does, after `npm install`) and collects its JSON lines.
 * Built by `npm test`'s pretest step.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite } from '../../../packages/emulators/stack/azurite';
import { trustCertificate } from '../../../packages/emulators/stack/tls';

export const ROOT = join(__dirname, '../../..');
export const CLI = join(ROOT, 'packages/cli/bin/flotilla.js');

export interface CliRun {
  readonly child: ChildProcess;
  readonly events: Record<string, unknown>[];
  stderr: string;
  readonly exited: Promise<number | null>;
  /** Resolves with the first event that satisfies `match`. */
  waitFor(
    match: (event: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
}

const NO_USER_CONFIG = { FLOTILLA_CONFIG: '', FLOTILLA_TARGET: '', FLOTILLA_FUNCTION_KEY: '' };

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI to its end and collects its output as text (table output, errors). */
export function cliText(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 120_000,
): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { FLOTILLA_LOCAL_ENGINE: 'process', ...process.env, ...NO_USER_CONFIG, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`flotilla ${args.join(' ')} did not end in ${timeoutMs} ms; stderr:\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    // Steps run as local processes unless a test asks for containers (tests/e2e/cli/demo-containers); no
    // user config file (FLOTILLA_CONFIG empty) and no target from the developer's environment.
    env: { FLOTILLA_LOCAL_ENGINE: 'process', ...process.env, ...NO_USER_CONFIG, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: Record<string, unknown>[] = [];
  const waiters: {
    match: (e: Record<string, unknown>) => boolean;
    resolve: (e: Record<string, unknown>) => void;
  }[] = [];
  let buffer = '';
  const run: CliRun = {
    child,
    events,
    stderr: '',
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    waitFor(match, timeoutMs = 90_000) {
      const found = events.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching CLI event in ${timeoutMs} ms; stderr:\n${run.stderr}`)),
          timeoutMs,
        );
        waiters.push({ match, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    },
  };
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (!line.trim()) continue;
      const event = JSON.parse(line) as Record<string, unknown>;
      events.push(event);
      for (const w of waiters.filter((w) => w.match(event))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(event);
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
  return run;
}

/** Opens the Azurite data a finished `flotilla run` left in its state folder, to read what it wrote. */
export async function withStateStorage<T>(
  stateDir: string,
  use: (blobs: BlobServiceClient) => Promise<T>,
): Promise<T> {
  const tls = { certFile: join(stateDir, 'tls/dev-cert.pem'), keyFile: join(stateDir, 'tls/dev-key.pem') };
  const untrust = trustCertificate(readFileSync(tls.certFile, 'utf8'));
  const azurite = await startAzurite({ location: join(stateDir, 'azurite'), tls, oauth: true });
  try {
    return await use(BlobServiceClient.fromConnectionString(azurite.connectionString));
  } finally {
    await azurite.stop();
    untrust();
  }
}
