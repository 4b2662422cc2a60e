import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFileOf, resolveConnection } from '../../../packages/cli/config';
import { CliUsageError } from '../../../packages/cli/output';

describe('where the CLI finds the app: flags, then the environment, then the config file', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'flotilla-config-'));
    file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ target: 'https://file.example/', functionKey: 'file-key' }));
    chmodSync(file, 0o600);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes each value from the first place that has it', () => {
    const env = { FLOTILLA_CONFIG: file };
    expect(resolveConnection({}, env)).toEqual({
      target: 'https://file.example',
      targetFrom: 'config',
      key: 'file-key',
      warnings: [],
    });
    expect(resolveConnection({}, { ...env, FLOTILLA_TARGET: 'https://env.example' })).toMatchObject({
      target: 'https://env.example',
      targetFrom: 'env',
      key: 'file-key',
    });
    expect(
      resolveConnection(
        { target: 'http://flag.example', key: 'flag-key' },
        { ...env, FLOTILLA_TARGET: 'https://env.example', FLOTILLA_FUNCTION_KEY: 'env-key' },
      ),
    ).toMatchObject({ target: 'http://flag.example', targetFrom: 'flag', key: 'flag-key' });
    // No target anywhere: the embedded stack.
    expect(resolveConnection({}, { FLOTILLA_CONFIG: '' })).toEqual({ warnings: [] });
  });

  it('finds the config file from --config, FLOTILLA_CONFIG, then XDG_CONFIG_HOME', () => {
    expect(configFileOf('a.json', { FLOTILLA_CONFIG: 'b.json' })).toMatchObject({
      file: 'a.json',
      explicit: true,
    });
    expect(configFileOf(undefined, { FLOTILLA_CONFIG: 'b.json' })).toMatchObject({
      file: 'b.json',
      explicit: true,
    });
    expect(configFileOf(undefined, { XDG_CONFIG_HOME: '/xdg' })).toEqual({
      file: '/xdg/flotilla/config.json',
      explicit: false,
      from: 'the default config file',
    });
    // A default file that is not there is no error: there is simply no config.
    expect(resolveConnection({}, { XDG_CONFIG_HOME: join(dir, 'nothing') })).toEqual({ warnings: [] });
  });

  it('names the bad value and what is allowed', () => {
    const bad = (body: string) => {
      const f = join(dir, `bad-${Math.abs(hash(body))}.json`);
      writeFileSync(f, body);
      return () => resolveConnection({}, { FLOTILLA_CONFIG: f });
    };
    expect(bad('{"target": "https://x", "key": "k"}')).toThrow(
      /unknown key "key"; allowed: target, functionKey/,
    );
    expect(bad('{"target": 5}')).toThrow(/"target" must be a non-empty string/);
    expect(bad('not json')).toThrow(/not valid JSON/);
    expect(() => resolveConnection({ target: 'ftp://x' }, { FLOTILLA_CONFIG: '' })).toThrow(
      /--target: expected an http:\/\/ or https:\/\/ URL, got ftp:/,
    );
    expect(() => resolveConnection({}, { FLOTILLA_CONFIG: '', FLOTILLA_TARGET: 'https://k@x/' })).toThrow(
      /FLOTILLA_TARGET: give the base URL only/,
    );
    expect(() => resolveConnection({ config: join(dir, 'missing.json') }, {})).toThrow(CliUsageError);
  });

  it('warns when a file that holds the key is readable by others', () => {
    const open = join(dir, 'open', 'config.json');
    mkdirSync(join(dir, 'open'));
    writeFileSync(open, JSON.stringify({ target: 'https://x.example', functionKey: 'k' }));
    chmodSync(open, 0o644);
    const { warnings } = resolveConnection({}, { FLOTILLA_CONFIG: open });
    expect(warnings).toEqual([expect.stringContaining(`chmod 600 ${open}`)]);
    expect(warnings.join('')).not.toContain('"k"');
  });
});

function hash(text: string): number {
  let h = 0;
  for (const c of text) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}
