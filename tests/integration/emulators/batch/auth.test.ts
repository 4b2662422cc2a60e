import { BatchSharedKeyCredentials } from '@azure/batch';
import { BATCH_AUDIENCE } from '../../../../packages/emulators/batch';
import { batchClient, unsignedJwt } from '../../../support/batch-client';
import { ACCOUNT, type Harness, POOL, restError, startHarness } from './harness';

describe('Batch emulator authentication', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ mode: 'simulate' });
  });
  afterAll(() => h.stop());

  it('accepts the shared key of the account, including on signed queries and bodies', async () => {
    await h.batch.job.add({ id: 'auth-ok', poolInfo: { poolId: POOL } });
    const list = await h.batch.job.list({
      jobListOptions: { filter: "state eq 'active'", select: 'id,state', maxResults: 5 },
    });
    expect(list.map((j) => j.id)).toContain('auth-ok');
  });

  it('rejects a wrong key with 403 AuthenticationFailed', async () => {
    const wrongKey = Buffer.from('another key').toString('base64');
    const client = batchClient({ url: h.emulator.url, account: ACCOUNT, key: wrongKey });
    const e = await restError(client.job.get('auth-ok'));
    expect(e.statusCode).toBe(403);
    expect(e.code).toBe('AuthenticationFailed');
    expect(e.body.values![0]!.key).toBe('AuthenticationErrorDetail');
  });

  it('rejects a signature made for another account name', async () => {
    const client = batchClient(h.emulator, {
      credentials: new BatchSharedKeyCredentials('other', h.emulator.key),
    });
    expect((await restError(client.pool.get(POOL))).code).toBe('AuthenticationFailed');
  });

  it('accepts a bearer token whose audience is Batch', async () => {
    const client = batchClient(h.emulator, { credentials: unsignedJwt(BATCH_AUDIENCE) });
    expect((await client.job.get('auth-ok')).id).toBe('auth-ok');
  });

  it('rejects a token for ARM (the SDK default audience) with the documented detail', async () => {
    const client = batchClient(h.emulator, { credentials: unsignedJwt('https://management.azure.com/') });
    const e = await restError(client.job.get('auth-ok'));
    expect(e.statusCode).toBe(403);
    expect(e.code).toBe('AuthenticationFailed');
    expect(e.body.values![0]!.value).toContain("wrong audience or resource 'https://management.azure.com/'");
    expect(e.body.values![0]!.value).toContain(BATCH_AUDIENCE);
  });

  it('records every request with its operation and status', () => {
    const records = h.emulator.recorder.all();
    expect(records.some((r) => r.operation === 'Job_Add' && r.status === 201)).toBe(true);
    expect(records.some((r) => r.operation === 'Job_Get' && r.status === 403)).toBe(true);
    expect(records.every((r) => !r.validationErrors)).toBe(true);
  });
});
