import { INPUT_LIMITS, RANGES } from '../../../src/pipeline/limits';
import { MAX_IMAGES } from '../../../src/api/schemas';
import { aPipeline, type E2E, startE2E } from '../support/harness';
import { type BadInputCase, call, check } from './table';

/**
 * Oversized, over-nested and hostile inputs (docs/security.md, "Bad input"): every one is a 4xx with a JSON
 * body naming the limit, never a 5xx, and none takes long. Add a row for every new route or limit.
 */
let e2e: E2E;
const seen: number[] = [];
beforeAll(async () => {
  e2e = await startE2E();
}, 60_000);
afterAll(() => e2e?.stop());

const deepJson = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const withEnv = (env: Record<string, string>) =>
  aPipeline({
    name: 'lim',
    steps: [{ id: 'tile', image: 'busybox:1.36', command: 'tile', env }],
  });
const laughs = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((n, i) => {
    const prev = 'abcdefghi'[i]!;
    return `${n}: &${n} [${Array(9).fill(`*${prev}`).join(',')}]`;
  }),
  'name: laughs',
].join('\n');
const entries = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`V${i}`, 'x']));

const table: BadInputCase[] = [
  {
    name: 'inline pipeline nested 10,000 deep',
    send: (e) =>
      call('startRun', {
        body: `{"pipeline":${deepJson(10_000)}}`,
        headers: { 'content-type': 'application/json' },
      })(e),
    status: 400,
    code: 'too_deep',
    mentions: [`${INPUT_LIMITS.maxDepth}`, 'maxDepth'],
  },
  {
    name: 'stored YAML nested 10,000 deep (flow)',
    send: call('putPipeline', {
      params: { name: 'deep' },
      body: `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
    }),
    status: 400,
    code: 'invalid_pipeline',
    mentions: ['maxDepth'],
  },
  {
    name: 'stored YAML nested 5,000 deep (block)',
    send: call('putPipeline', { params: { name: 'deep' }, body: `${'- '.repeat(5_000)}x\n` }),
    status: 400,
    code: 'invalid_pipeline',
    mentions: ['maxDepth'],
  },
  {
    name: 'YAML alias bomb (billion laughs)',
    send: call('putPipeline', { params: { name: 'laughs' }, body: laughs }),
    status: 400,
    code: 'invalid_pipeline',
    mentions: ['maxAliases', `${INPUT_LIMITS.maxAliases}`],
  },
  {
    name: 'NUL in a prefix',
    send: call('startRun', { body: { pipeline: aPipeline(), prefix: 'damage/\u0000x' } }),
    status: 400,
    code: 'invalid_request',
    mentions: ['prefix', 'control characters'],
  },
  {
    name: 'NUL in an image name',
    send: call('startRun', { body: { pipeline: aPipeline(), images: ['a\u0000.tif'] } }),
    status: 400,
    code: 'invalid_request',
    mentions: ['images[0]'],
  },
  {
    name: 'a 5 MB env value',
    send: call('startRun', {
      body: { pipeline: withEnv({ BIG: 'x'.repeat(5 * 1024 * 1024) }), images: ['a'] },
    }),
    status: 400,
    code: 'invalid_pipeline',
    mentions: ['specMaxBytes', `${INPUT_LIMITS.specMaxBytes}`],
  },
  {
    name: 'an env value over the per-value limit',
    send: call('startRun', {
      body: { pipeline: withEnv({ BIG: 'x'.repeat(INPUT_LIMITS.envValueMaxLength + 1) }), images: ['a'] },
    }),
    status: 400,
    code: 'invalid_pipeline',
    mentions: ['pipeline.steps[0].env.BIG', `at most ${INPUT_LIMITS.envValueMaxLength}`],
  },
  {
    name: 'too many env entries',
    send: call('startRun', {
      body: { pipeline: withEnv(entries(INPUT_LIMITS.envMaxEntries + 1)), images: ['a'] },
    }),
    status: 400,
    code: 'invalid_pipeline',
    mentions: ['pipeline.steps[0].env', `at most ${INPUT_LIMITS.envMaxEntries}`],
  },
  {
    name: 'too many steps',
    send: call('startRun', {
      body: {
        pipeline: aPipeline({
          steps: Array.from({ length: RANGES.steps.max + 1 }, (_, i) => ({
            id: `s${i}`,
            image: 'busybox:1.36',
            command: 'x',
          })),
        }),
        images: ['a'],
      },
    }),
    status: 400,
    code: 'invalid_pipeline',
    mentions: ['pipeline.steps', `${RANGES.steps.max}`],
  },
  {
    name: 'too many images in one request',
    send: call('startRun', {
      body: { pipeline: aPipeline(), images: Array.from({ length: MAX_IMAGES + 1 }, (_, i) => `i${i}`) },
    }),
    status: 400,
    code: 'invalid_request',
    mentions: ['images', `${MAX_IMAGES}`],
  },
  {
    name: 'a JSON body over the size limit',
    send: call('startRun', {
      body: `{"pipeline":"x","pad":"${'p'.repeat(INPUT_LIMITS.requestBodyMaxBytes)}"}`,
      headers: { 'content-type': 'application/json' },
    }),
    status: 413,
    code: 'body_too_large',
    mentions: ['requestBodyMaxBytes'],
  },
  ...['1e2', '0x10', '+5', ' 5', '5.0', '', '-1', '201'].map((limit): BadInputCase => ({
    name: `limit=${JSON.stringify(limit)}`,
    send: call('listRuns', { query: { limit } }),
    status: 400,
    code: 'invalid_request',
    mentions: ['limit'],
  })),
];

test.each(table.map((c) => [c.name, c] as const))(
  '%s',
  async (_name, c) => {
    const started = Date.now();
    await check(e2e, c, seen);
    expect(Date.now() - started).toBeLessThan(10_000);
  },
  60_000,
);

test('a UTF-8 byte order mark before a JSON body is ignored', async () => {
  const res = await e2e.api<{ error: { code: string } }>('startRun', {
    body: `\uFEFF${JSON.stringify({ pipeline: 'no-such-pipeline' })}`,
    headers: { 'content-type': 'application/json' },
  });
  seen.push(res.status);
  expect(res.status).toBe(404);
  expect(res.body.error.code).toBe('pipeline_not_found');
});

test('no case of the table answered 5xx', () => {
  expect(seen.length).toBe(table.length + 1);
  expect(seen.filter((s) => s >= 500)).toEqual([]);
});
