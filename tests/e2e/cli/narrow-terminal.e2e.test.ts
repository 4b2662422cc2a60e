/**
 * The live view of `flotilla run` in a real 60-column terminal (tmux): no line is wider than the terminal, so
 * none wraps and redrawing never garbles the screen; the run ends with its table, cost and outputs command.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Terminal } from '../../support/terminal';
import { waitFor } from '../../support/wait-for';
import { CLI, ROOT } from '../support/cli';

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe('flotilla run in a 60-column terminal', () => {
  let dir: string;
  let term: Terminal | undefined;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'flotilla-narrow-'))));
  afterAll(() => {
    term?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('draws every frame within 60 columns', async () => {
    const spec = join(dir, 'narrow.yaml');
    writeFileSync(
      spec,
      [
        'name: narrow',
        'inputs: { container: images, prefix: narrow/ }',
        'outputs: { container: results }',
        'defaults: { cpu: 0.5, memoryGB: 1, timeout: 5m }',
        'concurrency: 2',
        'steps:',
        '  - { id: detect, image: "busybox:1.36", command: "sleep 2" }',
        '  - id: classify',
        '    dependsOn: [detect]',
        '    image: busybox:1.36',
        '    command: sleep 1',
      ].join('\n'),
    );
    const images = ['a', 'b', 'c'].map((n) => join(dir, `scene-with-a-rather-long-file-name-${n}.tif`));
    for (const image of images) writeFileSync(image, 'pixels');
    const codeFile = join(dir, 'exit-code');
    const cli = [process.execPath, CLI, 'run', spec, '--images', ...images, '--state', join(dir, 'state')];
    const env = 'FLOTILLA_LOCAL_ENGINE=process FLOTILLA_CONFIG= FLOTILLA_TARGET=';
    term = Terminal.open(
      `narrow-${process.pid}`,
      `cd ${quote(ROOT)} && ${env} ${cli.map(quote).join(' ')}; echo $? > ${quote(codeFile)}`,
      { columns: 60, rows: 30 },
    );
    const screens: string[] = [];
    const code = await waitFor(
      () => {
        screens.push(term!.screen());
        return existsSync(codeFile) && readFileSync(codeFile, 'utf8').trim();
      },
      { what: 'the run to end', timeoutMs: 240_000, intervalMs: 250 },
    );
    const final = term.screen();
    expect({ code, final: code === '0' ? '' : final }).toEqual({ code: '0', final: '' });
    // The live view was seen while the run went on, not only the final table.
    expect(screens.some((s) => /\d\/3 ok \d/.test(s) || /\d\/3 images/.test(s))).toBe(true);
    // capture-pane -J joins wrapped lines: a line that wrapped would come back longer than 60 characters.
    for (const screen of [...screens, final]) {
      for (const line of screen.split('\n')) {
        if (/^(stopping|starting|running steps|run r-)/.test(line)) continue; // log lines, not the view
        if (/^(Run r-|Outputs: |Manifest: |Cost estimate|Left in)/.test(line)) continue; // sentences at the end
        expect({ line, length: [...line].length <= 60 }).toEqual({ line, length: true });
      }
    }
    expect(final).toMatch(/^IMAGE +STATUS +DETECT +CLASSIFY +TIME$/m);
    expect(final).toMatch(/^narrow\/scene-with-a-\S*… +succeeded +✓ exit 0 /m);
    expect(final).toMatch(/Cost estimate: \d+\.\d{6} USD/);
    expect(final).toMatch(/Outputs: flotilla outputs r-[a-z0-9]+ --state \S+ --to \.\/r-/);
  }, 300_000);
});
