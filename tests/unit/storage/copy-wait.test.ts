import { type CopyState, waitForCopy } from '../../../src/storage/copy-wait';

/** The bounded wait for an asynchronous Copy Blob, on a clock the test moves. */
describe('waitForCopy', () => {
  function harness(states: CopyState[], stepMs = 60_000) {
    let now = 0;
    const reads: number[] = [];
    const aborted: string[] = [];
    const ops = {
      read: () => {
        reads.push(now);
        return Promise.resolve(states.shift() ?? { copyId: 'c1', copyStatus: 'pending' });
      },
      abort: (id: string) => {
        aborted.push(id);
        return Promise.resolve();
      },
    };
    const options = {
      timeoutMs: 10 * 60_000,
      pollIntervalMs: stepMs,
      now: () => now,
      sleep: (ms: number) => {
        now += ms;
        return Promise.resolve();
      },
    };
    return { ops, options, reads, aborted };
  }
  const pending: CopyState = { copyId: 'c1', copyStatus: 'pending' };

  it('polls a pending copy until it succeeds', async () => {
    const h = harness([pending, { copyId: 'c1', copyStatus: 'success' }]);
    await waitForCopy(pending, h.ops, h.options, 'copy of a');
    expect(h.reads).toEqual([60_000, 120_000]);
    expect(h.aborted).toEqual([]);
  });

  it('aborts and throws a transient TIMEOUT once the bound has passed, never waiting on', async () => {
    const h = harness([]);
    await expect(waitForCopy(pending, h.ops, h.options, 'copy of a')).rejects.toMatchObject({
      code: 'TIMEOUT',
      kind: 'transient',
      message: expect.stringContaining('copy of a') as unknown,
    });
    expect(h.reads).toHaveLength(10);
    expect(h.aborted).toEqual(['c1']);
  });

  it('throws when the copy ends failed or aborted, naming the service description', async () => {
    const h = harness([{ copyId: 'c1', copyStatus: 'failed', copyStatusDescription: '500 InternalError' }]);
    await expect(waitForCopy(pending, h.ops, h.options, 'copy of a')).rejects.toMatchObject({
      code: 'SERVER_ERROR',
      kind: 'transient',
      message: expect.stringContaining('500 InternalError') as unknown,
    });
    const aborted = harness([]);
    await expect(
      waitForCopy({ copyId: 'c1', copyStatus: 'aborted' }, aborted.ops, aborted.options, 'x'),
    ).rejects.toMatchObject({ code: 'SERVER_ERROR' });
  });

  it('is done at once for a copy that already succeeded, and when another copy replaced it', async () => {
    const done = harness([]);
    await waitForCopy({ copyId: 'c1', copyStatus: 'success' }, done.ops, done.options, 'x');
    expect(done.reads).toEqual([]);
    const replaced = harness([{ copyId: 'c2', copyStatus: 'pending' }]);
    await waitForCopy(pending, replaced.ops, replaced.options, 'x');
    expect(replaced.reads).toHaveLength(1);
  });
});
