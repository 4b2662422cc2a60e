/**
 * The stager image's program (`node /opt/flotilla/main.js in|out`). Node built-ins and global fetch only.
 * Settings come from the environment; every path can be overridden, so the emulators' path mapping works.
 *   in:  FLOTILLA_INPUTS (JSON [{url, path}]), FLOTILLA_IN_DIR (default /flotilla/in)
 *   out: FLOTILLA_UPLOAD_URL (the app's upload endpoint, per-blob SAS) or FLOTILLA_OUTPUT_URL (container SAS),
 *        FLOTILLA_OUTPUT_PREFIX, FLOTILLA_OUT_DIR (/flotilla/out),
 *        FLOTILLA_EXIT_FILE (/flotilla/.exit), FLOTILLA_CALLBACK_URL, FLOTILLA_WAIT_TIMEOUT_MS (default 24 h)
 * Exit codes: 0 done, 2 usage, 3 no exit code from the step in time, 4 a transfer failed. A callback that
 * cannot be delivered is logged, not an error: the orchestration polls for the status.
 * SAS URLs and the callback URL are never printed.
 */
import { parseInputs, stageIn } from './stage-in';
import { stageOut } from './stage-out';

type Env = Record<string, string | undefined>;

const log = (line: string) => process.stdout.write(`${line}\n`);

export async function runStager(argv: readonly string[], env: Env): Promise<number> {
  const mode = argv[0];
  try {
    if (mode === 'in') {
      const inputs = parseInputs(env.FLOTILLA_INPUTS);
      await stageIn(inputs, env.FLOTILLA_IN_DIR ?? '/flotilla/in', log);
      log(`stage-in: ${inputs.length} file(s) ready`);
      return 0;
    }
    if (mode === 'out') {
      if (!env.FLOTILLA_OUTPUT_URL && !env.FLOTILLA_UPLOAD_URL) {
        process.stderr.write(
          'stage-out: FLOTILLA_OUTPUT_URL is not set (expected FLOTILLA_UPLOAD_URL, the upload endpoint, or a container SAS URL)\n',
        );
        return 2;
      }
      const result = await stageOut(
        {
          outDir: env.FLOTILLA_OUT_DIR ?? '/flotilla/out',
          exitFile: env.FLOTILLA_EXIT_FILE ?? '/flotilla/.exit',
          ...(env.FLOTILLA_UPLOAD_URL ? { uploadUrl: env.FLOTILLA_UPLOAD_URL } : {}),
          ...(env.FLOTILLA_OUTPUT_URL ? { containerUrl: env.FLOTILLA_OUTPUT_URL } : {}),
          prefix: env.FLOTILLA_OUTPUT_PREFIX ?? '',
          ...(env.FLOTILLA_CALLBACK_URL ? { callbackUrl: env.FLOTILLA_CALLBACK_URL } : {}),
          waitTimeoutMs: Number(env.FLOTILLA_WAIT_TIMEOUT_MS ?? 24 * 3600_000),
        },
        log,
      );
      log(`stage-out: ${result.uploaded.length} file(s) uploaded`);
      return 0;
    }
    process.stderr.write(`usage: stager in|out (got ${JSON.stringify(mode ?? '')})\n`);
    return 2;
  } catch (error) {
    const message = (error as Error).message.replace(/([?&]sig=)[^&\s"']+/g, '$1***');
    process.stderr.write(`${message}\n`);
    return /no exit code/.test(message) ? 3 : 4;
  }
}

if (require.main === module) {
  void runStager(process.argv.slice(2), process.env).then((code) => {
    process.exitCode = code;
  });
}
