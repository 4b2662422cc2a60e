import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_WITH_PARENT, guardedSpawnOptions } from '../common/child-guard';

/** The well-known development account every Azurite instance serves (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteOptions {
  /** Data folder. Default: a new temp folder, removed on stop. */
  readonly location?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Serve HTTPS with this PEM certificate and key (needed for OAuth, i.e. managed-identity access). */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** Accept bearer tokens (Azurite's `--oauth basic`); requires `tls`. */
  readonly oauth?: boolean;
  /** Acknowledge writes only once their metadata is saved (default true; docs/emulators.md, "What survives a kill"). */
  readonly writeThrough?: boolean;
}

export interface Azurite {
  /** Blob service URL including the account, e.g. http://127.0.0.1:41234/devstoreaccount1 */
  readonly blobUrl: string;
  readonly port: number;
  readonly location: string;
  readonly connectionString: string;
  /** The Azurite child process id (for last-resort cleanup on exit). */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

const AZURITE_MAIN = require.resolve('azurite/dist/src/blob/main.js');
/** Makes Azurite's metadata write-through, so a SIGKILL loses nothing acknowledged (docs/emulators.md). */
const WRITE_THROUGH = join(__dirname, 'azurite-write-through.js');

/** Starts Azurite's blob service from the npm package as a child process, on loopback. */
export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  const ownsLocation = options.location === undefined;
  const location = options.location ?? mkdtempSync(join(tmpdir(), 'flotilla-azurite-'));
  const args = [
    ...(options.writeThrough === false ? [] : ['--require', WRITE_THROUGH]),
    AZURITE_MAIN,
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    String(options.port ?? 0),
    '--location',
    location,
    '--skipApiVersionCheck',
    '--disableTelemetry',
    '--loose',
    '--silent',
  ];
  if (options.tls) args.push('--cert', options.tls.certFile, '--key', options.tls.keyFile);
  if (options.oauth) args.push('--oauth', 'basic');
  // Its own process group (a terminal's Ctrl-C reaches only its parent), exiting with its parent.
  const child = spawn(process.execPath, [...EXIT_WITH_PARENT, ...args], {
    ...guardedSpawnOptions('pipe', 'pipe'),
    env: { ...process.env, AZURITE_ACCOUNTS: undefined },
  });
  const port = await waitForListening(child);
  const scheme = options.tls ? 'https' : 'http';
  const blobUrl = `${scheme}://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  return {
    blobUrl,
    port,
    location,
    connectionString: `DefaultEndpointsProtocol=${scheme};AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${blobUrl};`,
    pid: child.pid,
    async stop() {
      await stopChild(child);
      if (ownsLocation) rmSync(location, { recursive: true, force: true });
    },
  };
}

function waitForListening(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => fail(new Error(`Azurite did not start within 45 s. Output:\n${output}`)),
      45_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /successfully listens on https?:\/\/[^:]+:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(Number(match[1]));
      }
    };
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) =>
      fail(new Error(`Azurite exited with code ${code} before listening:\n${output}`)),
    );
  });
}

export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
