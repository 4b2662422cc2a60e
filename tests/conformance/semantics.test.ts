import { Harness, openGate, probe, uid } from './support';
import { waitFor } from '../support/wait-for';

describe('durable conformance: concurrency, open tasks, encoding, client helpers', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('runs at most maxConcurrentActivityFunctions (8 in host.json) activities at once', async () => {
    probe().maxActive = 0;
    const id = await h.start('parallel', 40);
    const done = await h.done(id);
    expect(done.output).toBe(40);
    const max = probe().maxActive ?? 0;
    expect(max).toBeLessThanOrEqual(8);
    expect(max).toBeGreaterThan(1);
  });

  it('fails a fan-out only after its open sibling tasks finish (DTFx open-tasks rule)', async () => {
    const run = uid('fail-fast');
    const id = await h.start('failFast', run);
    await waitFor(async () => (await h.history(id)).some((e) => e.EventType === 'TaskFailed'), {
      what: 'the failed task in the history',
    });
    expect(h.engine.getStatus(id)?.runtimeStatus).toBe('Running');
    openGate(run);
    const done = await h.done(id);
    expect(done.runtimeStatus).toBe('Failed');
    expect(done.output).toContain(`first failure of ${run}`);
  });

  it('delivers activity inputs of every JSON type unchanged', async () => {
    const id = await h.start('echoInputs');
    const done = await h.done(id);
    expect(done.output).toEqual([
      { type: 'string', value: 'text' },
      { type: 'number', value: 42 },
      { type: 'object', value: { a: [1, 2] } },
      { type: 'object', value: [true, 'x'] },
      { type: 'undefined' },
      { type: 'string', value: '{"looks":"like json"}' },
    ]);
  });

  it('waitForCompletionOrCreateCheckStatusResponse returns the output once done', async () => {
    const id = await h.start('sequence', ['Rome']);
    const res = await h.op('wait', id, { timeoutMs: '5000' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(['Hello Rome!']);
    const payload = (await (await h.op('payload', id)).json()) as Record<string, string>;
    expect(payload.id).toBe(id);
    expect(payload.terminatePostUri).toContain(`/runtime/webhooks/durabletask/instances/${id}/terminate`);
  });

  it('purges by filter (createdTimeFrom + runtimeStatus)', async () => {
    const ids = [await h.start('throws', 'p1'), await h.start('throws', 'p2')];
    await Promise.all(ids.map((id) => h.done(id)));
    const from = new Date(h.clock.now() - 1000).toISOString();
    const noFrom = await h.host.fetch('/durabletask/instances/?runtimeStatus=Failed', { method: 'DELETE' });
    expect(noFrom.status).toBe(400);
    const res = await h.host.fetch(`/durabletask/instances/?createdTimeFrom=${from}&runtimeStatus=Failed`, {
      method: 'DELETE',
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { instancesDeleted: number }).instancesDeleted).toBeGreaterThanOrEqual(2);
    for (const id of ids) expect(h.engine.getStatus(id)).toBeUndefined();
  });

  it('suspends a pending-or-running instance and terminates it while suspended', async () => {
    const id = await h.start('waitForever');
    await h.op('suspend', id, { reason: 'hold' });
    await h.until(id, 'Suspended');
    await h.op('terminate', id, { reason: 'stop while suspended' });
    const done = await h.done(id);
    expect(done.runtimeStatus).toBe('Terminated');
    expect(done.output).toBe('stop while suspended');
  });
});
