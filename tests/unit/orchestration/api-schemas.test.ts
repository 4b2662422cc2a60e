import Ajv2020 from 'ajv/dist/2020';
import { openApiDocument } from '../../../src/api/openapi';
import { ApiError, parseWith } from '../../../src/api/http';
import { listRunsQuery, runIdParam, startRunBody } from '../../../src/api/schemas';
import { parseRunIndexName, runIndexName } from '../../../src/api/run-index';
import {
  attemptRunMs,
  errorOf,
  isPermanentFailure,
  nextBackoff,
  POLL_MAX_MS,
} from '../../../src/orchestrators/step-policy';

function errorsOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError');
}

describe('request schemas', () => {
  it('accept a pipeline by name with images or a prefix', () => {
    expect(parseWith(startRunBody, { pipeline: 'damage', images: ['a.tif'] }, 'x')).toEqual({
      pipeline: 'damage',
      images: ['a.tif'],
    });
    expect(parseWith(startRunBody, { pipeline: { name: 'x' }, prefix: 'p/' }, 'x')).toMatchObject({
      prefix: 'p/',
    });
  });

  it('name every bad field, what was wrong and what is allowed', () => {
    const error = errorsOf(() =>
      parseWith(startRunBody, { pipeline: 'Bad Name', images: ['ok', ''], extra: 1 }, 'the run request'),
    );
    expect(error.status).toBe(400);
    const paths = error.details.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['pipeline', 'images[1]']));
    expect(error.details.find((d) => d.path === 'images[1]')?.message).toMatch(/cannot be empty/);
    expect(error.message).toMatch(/the run request is not valid/);
    const both = errorsOf(() => parseWith(startRunBody, { pipeline: 'a', images: ['x'], prefix: 'y' }, 'x'));
    expect(both.details[0]).toEqual({ path: 'images', message: 'give images or prefix, not both' });
    const dupes = errorsOf(() => parseWith(startRunBody, { pipeline: 'a', images: ['x', 'x'] }, 'x'));
    expect(dupes.details[0]?.message).toMatch(/duplicates/);
  });

  it('check run ids and list filters', () => {
    expect(errorsOf(() => parseWith(runIdParam, '../etc', 'the run id', 'id')).details[0]?.path).toBe('id');
    expect(parseWith(listRunsQuery, { limit: '5' }, 'q')).toEqual({ limit: 5 });
    expect(errorsOf(() => parseWith(listRunsQuery, { status: 'done' }, 'q')).details[0]?.message).toMatch(
      /expected one of pending/,
    );
  });
});

describe('OpenAPI document', () => {
  const doc = openApiDocument() as {
    openapi: string;
    paths: Record<string, object>;
    components: { schemas: Record<string, object> };
  };

  it('describes every route', () => {
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/callbacks/{token}',
        '/pipelines/{name}',
        '/plans',
        '/runs',
        '/runs/{id}',
        '/runs/{id}/cancel',
        '/runs/{id}/logs',
        '/runs/{id}/manifest',
        '/runs/{id}/outputs',
        '/runs/{id}/rerun',
        '/step-uploads/{grant}',
        '/uploads',
      ].sort(),
    );
  });

  it('has a StartRun schema that accepts and refuses what the handler does', () => {
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(doc.components.schemas.StartRun as object);
    expect(validate({ pipeline: 'damage', images: ['a.tif'] })).toBe(true);
    expect(validate({ pipeline: 'damage', extra: true })).toBe(false);
    expect(validate({ images: ['a.tif'] })).toBe(false);
  });
});

describe('run index names', () => {
  it('sort newest first and round-trip run id, pipeline and time', () => {
    const older = runIndexName('r-aaaa1111', 'damage', Date.UTC(2026, 0, 1));
    const newer = runIndexName('r-bbbb2222', 'damage', Date.UTC(2026, 0, 2));
    expect([older, newer].sort()).toEqual([newer, older]);
    expect(parseRunIndexName(newer)).toEqual({
      runId: 'r-bbbb2222',
      pipeline: 'damage',
      createdAt: '2026-01-02T00:00:00.000Z',
    });
    expect(parseRunIndexName('runs/garbage.json')).toBeUndefined();
  });
});

describe('step policy', () => {
  it('backs off exponentially up to the cap', () => {
    expect(nextBackoff(5000)).toBe(10_000);
    expect(nextBackoff(POLL_MAX_MS)).toBe(POLL_MAX_MS);
  });

  it('tells inaccessible images (permanent) from exit codes and infrastructure failures', () => {
    expect(isPermanentFailure({ state: 'failed', reason: 'ContainerInvalidImage' })).toBe(true);
    expect(isPermanentFailure({ state: 'failed', exitCode: 1 })).toBe(false);
    expect(errorOf({ state: 'failed', reason: 'InaccessibleImage' }).code).toBe('image-inaccessible');
    expect(errorOf({ state: 'failed', exitCode: 137, reason: 'OOMKilled' })).toEqual({
      code: 'exit-code',
      message: 'exited with code 137 (OOMKilled)',
    });
    expect(errorOf({ state: 'failed' }).code).toBe('infrastructure');
  });

  it('measures run time from the backend times, else from the orchestration clock', () => {
    expect(
      attemptRunMs(
        { state: 'succeeded', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:10Z' },
        0,
        99,
      ),
    ).toBe(10_000);
    expect(attemptRunMs(undefined, 1000, 4000)).toBe(3000);
  });
});
