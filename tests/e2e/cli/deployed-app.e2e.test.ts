import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliText } from '../support/cli';
import { type DeployedApp, startDeployedApp } from '../support/deployed-app';

// The CLI against a "deployed" app, as a user runs it: `flotilla emulators --write-settings`, `flotilla host
// --app`, then FLOTILLA_TARGET / FLOTILLA_FUNCTION_KEY (or a config file) for every other command.
const PIPELINE = [
  'name: deployed',
  'inputs: { container: images, prefix: deployed/ }',
  'outputs: { container: results }',
  'defaults: { backend: aci, cpu: 0.5, memoryGB: 1, timeout: 5m }',
  'steps:',
  '  - id: shout',
  '    image: busybox:1.36',
  '    command: tr a-z A-Z < "/flotilla/in/$(ls /flotilla/in)" > /flotilla/out/loud.txt',
  'finalize:',
  '  id: count',
  '  image: busybox:1.36',
  '  command: cd /flotilla/in && find . -name loud.txt | wc -l | tr -d " " > /flotilla/out/count.txt',
  'teardown: { keepOnFailure: 0m }',
].join('\n');

describe('the CLI against a deployed app (emulators + host, reached by FLOTILLA_TARGET)', () => {
  let dir: string;
  let app: DeployedApp;
  let runId: string;
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => cliText(args, { ...app.cliEnv, ...env });
  const noKey = (text: string) => expect(text).not.toContain(app.key);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flotilla-deployed-'));
    writeFileSync(join(dir, 'pipeline.yaml'), PIPELINE);
    writeFileSync(join(dir, 'alpha.txt'), 'alpha\n');
    writeFileSync(join(dir, 'beta.txt'), 'beta\n');
    app = await startDeployedApp(dir);
  }, 240_000);
  afterAll(async () => {
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('emulators --write-settings wrote every setting the hosted app needs, and printed none of the values', async () => {
    const health = await fetch(`${app.url}/api/health`);
    expect(await health.json()).toMatchObject({ status: 'ok', dependencies: { storage: { status: 'up' } } });
    expect(app.settings).toMatchObject({
      FUNCTIONS_WORKER_RUNTIME: 'node',
      FLOTILLA_CALLBACK_BASE_URL: app.url,
      FLOTILLA_TASK_HUB: 'flotilla',
      FLOTILLA_STORAGE_BLOB_URL: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+\//),
      NODE_EXTRA_CA_CERTS: expect.stringMatching(/\.pem$/),
    });
    expect(app.settings.FLOTILLA_CALLBACK_SECRET!.length).toBeGreaterThanOrEqual(32);
    expect(app.emulatorsOut()).toContain('settings written to');
    expect(app.emulatorsOut()).not.toContain(app.settings.FLOTILLA_CALLBACK_SECRET);
  });

  it('pipelines put stores a spec and pipelines get reads it back', async () => {
    const put = await cli(['pipelines', 'put', join(dir, 'pipeline.yaml')]);
    expect(put).toMatchObject({ code: 0, stdout: 'pipeline deployed stored: steps shout, finalize count\n' });
    const got = await cli(['pipelines', 'get', 'deployed', '--output', 'json']);
    expect(got.code).toBe(0);
    expect(JSON.parse(got.stdout)).toEqual({ name: 'deployed', text: PIPELINE });
    const missing = await cli(['pipelines', 'get', 'nope']);
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('no pipeline named "nope"') });
  });

  it('run uploads local images through the app, then ends with the outputs command and the cost', async () => {
    const run = await cli(['run', join(dir, 'pipeline.yaml'), '--images', join(dir, '*.txt')], {});
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.stderr).toMatch(/uploading 2 images to images\/deployed\/u-\d{14}-[0-9a-f]{8}\//);
    runId = /Run (r-[a-z0-9]+) succeeded: 2 of 2 images succeeded/.exec(run.stdout)![1]!;
    // The env names the target, so the command to fetch outputs needs no --target (and never the key).
    expect(run.stdout).toContain(`Outputs: flotilla outputs ${runId} --to ./${runId}\n`);
    expect(run.stdout).toMatch(/^Cost estimate: \d+\.\d{6} USD \(ACI \d+\.\d{6}, Batch \d+\.\d{6}\)$/m);
    noKey(run.stdout + run.stderr);
  }, 240_000);

  it('runs lists the run, status reports its own duration, outputs downloads every output', async () => {
    const runs = await cli(['runs', '--pipeline', 'deployed', '--output', 'json']);
    expect(runs.code).toBe(0);
    expect((JSON.parse(runs.stdout) as { runs: unknown[] }).runs).toEqual([
      expect.objectContaining({ runId, pipeline: 'deployed', status: 'succeeded' }),
    ]);
    const table = await cli(['runs', '--status', 'succeeded']);
    expect(table.stdout.split('\n')[0]).toMatch(/^RUN +PIPELINE +STATUS +CREATED/);
    expect(table.stdout).toMatch(new RegExp(`^${runId} +deployed +succeeded `, 'm'));

    const status = await cli(['status', runId]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^Took \d+s \(created \d{4}-\d\d-\d\dT/m);
    const asJson = JSON.parse((await cli(['status', runId, '--output', 'json'])).stdout) as {
      durationMs: number;
      createdAt: string;
      updatedAt: string;
    };
    expect(asJson.durationMs).toBe(Date.parse(asJson.updatedAt) - Date.parse(asJson.createdAt));
    expect(asJson.durationMs).toBeGreaterThan(0);

    const to = join(dir, 'out');
    const outputs = await cli(['outputs', runId, '--to', to]);
    expect({ code: outputs.code, stderr: outputs.stderr }).toEqual({
      code: 0,
      stderr: expect.stringContaining(`3 files`),
    });
    noKey(outputs.stdout + outputs.stderr);
    const listed = JSON.parse((await cli(['outputs', runId, '--to', to, '--json'])).stdout) as {
      files: { image: string; step: string; file: string }[];
    };
    const loud = listed.files.filter((f) => f.step === 'shout').map((f) => readFileSync(f.file, 'utf8'));
    expect(loud.sort()).toEqual(['ALPHA\n', 'BETA\n']);
    expect(listed.files.find((f) => f.image.endsWith('/alpha.txt'))?.file).toMatch(
      new RegExp(`^${to}/[a-z0-9-]+/shout/loud\\.txt$`),
    );
    expect(readFileSync(join(to, 'finalize', 'count', 'count.txt'), 'utf8').trim()).toBe('2');
    const onlyFinalize = await cli([
      'outputs',
      runId,
      '--image',
      'finalize',
      '--to',
      join(dir, 'fin'),
      '--json',
    ]);
    expect(JSON.parse(onlyFinalize.stdout)).toMatchObject({
      files: [{ image: 'finalize', step: 'count', path: 'count.txt' }],
    });
    expect(existsSync(join(dir, 'fin', 'finalize', 'count', 'count.txt'))).toBe(true);
  }, 120_000);

  it('takes the target and key from a config file, flags over env over the file', async () => {
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ target: app.url, functionKey: app.key }));
    chmodSync(config, 0o600);
    const fromFile = await cliText(['runs', '--output', 'json'], {
      FLOTILLA_CONFIG: config,
      NODE_EXTRA_CA_CERTS: '',
    });
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toContain(runId);
    // The environment wins over the file: a wrong key there is refused by the app.
    const envWins = await cliText(['runs'], { FLOTILLA_CONFIG: config, FLOTILLA_FUNCTION_KEY: 'wrong-key' });
    expect(envWins).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('refused the function key (401)'),
    });
    // A flag wins over the environment.
    const flagWins = await cli(['runs', '--target', 'http://127.0.0.1:1']);
    expect(flagWins).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('cannot reach http://127.0.0.1:1'),
    });
    noKey(envWins.stderr + flagWins.stderr);
  });

  it('bad flags name the flag and what it allows, with exit code 64', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['runs', '--output', 'xml'],
        /'--output <format>' argument 'xml' is invalid\. Allowed choices are table, json/,
      ],
      [
        ['runs', '--limit', '0'],
        /'--limit <n>' argument '0' is invalid\. expected a whole number from 1 to 200/,
      ],
      [['outputs', runId], /required option '--to <dir>' not specified/],
      [['runs', '--target', 'ftp://host'], /--target: expected an http:\/\/ or https:\/\/ URL/],
      [['runs', '--config', join(dir, 'none.json')], /--config: the config file .*none\.json does not exist/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(args);
      expect({ args, code: result.code, stderr: result.stderr }).toEqual({
        args,
        code: 64,
        stderr: expect.stringMatching(message),
      });
    }
    // A filter the app refuses: exit 1, the API's message naming the flag and the states it allows.
    const status = await cli(['runs', '--status', 'bogus']);
    expect(status).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/--status: expected one of pending, running/),
    });
  });
});
