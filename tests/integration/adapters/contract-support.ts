import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { waitFor } from '../../support/wait-for';

/**
 * The step program every contract test runs, as a user would write it: reads /flotilla/in, writes
 * /flotilla/out (a file and a sub-folder), prints a line to stdout.
 */
export const STEP_COMMAND =
  'tr a-z A-Z < /flotilla/in/scene.txt > /flotilla/out/upper.txt && mkdir -p /flotilla/out/meta && wc -c < /flotilla/in/scene.txt | tr -d " " > /flotilla/out/meta/size.txt && echo "step done for $FLOTILLA_IMAGE"';

/** Compiles src/stager to plain CommonJS in `dir` (what the stager image holds at /opt/flotilla). */
export function compileStager(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const src = resolve(__dirname, '../../../src/stager');
  for (const file of readdirSync(src).filter((f) => f.endsWith('.ts'))) {
    const out = ts.transpileModule(readFileSync(join(src, file), 'utf8'), {
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
    });
    writeFileSync(join(dir, file.replace(/\.ts$/, '.js')), out.outputText);
  }
  return dir;
}

export interface CallbackReceiver {
  readonly url: string;
  readonly received: { path: string; body: unknown }[];
  /** Resolves with the first callback body. */
  next(timeoutMs: number): Promise<unknown>;
  close(): Promise<void>;
}

/** A loopback HTTP server standing in for POST /api/callbacks/{token}. */
export async function callbackReceiver(): Promise<CallbackReceiver> {
  const received: { path: string; body: unknown }[] = [];
  const waiters: ((body: unknown) => void)[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(text || 'null') as unknown;
      received.push({ path: req.url ?? '', body });
      res.writeHead(202).end();
      waiters.splice(0).forEach((w) => w(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/callbacks/TOKEN`,
    received,
    next: (timeoutMs) =>
      received[0]
        ? Promise.resolve(received[0].body)
        : new Promise((resolveBody, reject) => {
            const timer = setTimeout(
              () => reject(new Error(`no callback within ${timeoutMs} ms`)),
              timeoutMs,
            );
            waiters.push((body) => {
              clearTimeout(timer);
              resolveBody(body);
            });
          }),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** Polls `fn` (real time: processes really run) until `done` holds. */
export async function eventually<T>(
  fn: () => Promise<T>,
  done: (v: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  // On timeout the last value is returned, for the caller's assertion to show.
  let last: { value: T } | undefined;
  try {
    return (
      await waitFor(
        async () => {
          last = { value: await fn() };
          return done(last.value) ? last : undefined;
        },
        { what: 'the condition', timeoutMs, intervalMs: 100 },
      )
    ).value;
  } catch (error) {
    if (!last) throw error;
    return last.value;
  }
}
