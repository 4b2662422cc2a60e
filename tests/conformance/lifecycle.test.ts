import { Harness, uid } from './support';
import { waitFor } from '../support/wait-for';

describe('durable conformance: status, terminate, suspend/resume, purge, restart of ids', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('returns createCheckStatusResponse links that work against the host', async () => {
    const res = await h.startRaw('sequence', ['Lima']);
    expect(res.status).toBe(202);
    const payload = (await res.json()) as Record<string, string>;
    expect(res.headers.get('location')).toBe(payload.statusQueryGetUri);
    expect(payload.statusQueryGetUri).toMatch(
      new RegExp(`^${h.host.url}/runtime/webhooks/durabletask/instances/`),
    );
    await h.done(payload.id!);
    const status = await fetch(payload.statusQueryGetUri!);
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({
      runtimeStatus: 'Completed',
      output: ['Hello Lima!'],
      name: 'sequence',
    });
  });

  it('reads custom status through the client while the orchestrator waits', async () => {
    const id = await h.start('withStatus');
    await h.engine.waitForStatus(id, (s) => s.customStatus !== null);
    const running = await h.status(id);
    expect(running.runtimeStatus).toBe('Running');
    expect(running.customStatus).toEqual({ stage: 'waiting', step: 1 });
    const pending = await h.host.fetch(`/durabletask/instances/${id}`);
    expect(pending.status).toBe(202);
    expect(pending.headers.get('retry-after')).toBe('5');
    await h.op('raise', id, { event: 'next' }, { ok: true });
    const done = await h.done(id);
    expect(done.customStatus).toEqual({ stage: 'done', step: 2 });
    expect(done.output).toEqual({ ok: true });
  });

  it('terminates a running instance with a reason', async () => {
    const id = await h.start('waitForever');
    await h.until(id, 'Running');
    expect((await h.op('terminate', id, { reason: 'operator-cancelled' })).status).toBe(202);
    const done = await h.done(id);
    expect(done.runtimeStatus).toBe('Terminated');
    expect(done.output).toBe('operator-cancelled');
    const status = await h.status(id);
    expect(status.runtimeStatus).toBe('Terminated');
    // Terminating again is a 410, which the client accepts.
    expect((await h.op('terminate', id, { reason: 'again' })).status).toBe(202);
    expect(h.engine.getStatus(id)?.output).toBe('operator-cancelled');
  });

  it('suspends and resumes: events wait while suspended', async () => {
    const id = await h.start('withStatus');
    await h.until(id, 'Running');
    expect((await h.op('suspend', id, { reason: 'maintenance' })).status).toBe(202);
    await h.until(id, 'Suspended');
    await h.op('raise', id, { event: 'next' }, 'while suspended');
    // The engine has taken the event in and has nothing left to do: had it run the instance, it would be done.
    await waitFor(() => h.engine.idle(), { what: 'the engine to be idle after the raise' });
    expect(h.engine.getStatus(id)?.runtimeStatus).toBe('Suspended');
    expect((await h.op('suspend', id, { reason: 'twice' })).status).toBe(400);
    expect((await h.op('resume', id, { reason: 'done' })).status).toBe(202);
    const done = await h.done(id);
    expect(done.runtimeStatus).toBe('Completed');
    expect(done.output).toBe('while suspended');
    const types = (await h.history(id)).map((e) => e.EventType);
    expect(types).toEqual(expect.arrayContaining(['ExecutionSuspended', 'ExecutionResumed']));
  });

  it('purges an instance: its status is gone', async () => {
    const id = await h.start('sequence', ['Quito']);
    await h.done(id);
    const purged = await h.op('purge', id);
    expect(await purged.json()).toEqual({ instancesDeleted: 1 });
    expect(h.engine.getStatus(id)).toBeUndefined();
    const status = await h.op('status', id);
    expect(status.status).toBe(400);
    expect(((await status.json()) as { error: string }).error).toContain('HTTP 404');
    expect(await (await h.op('purge', id)).json()).toEqual({ instancesDeleted: 0 });
  });

  it('refuses a second start with the id of a running instance, and replaces a finished one', async () => {
    const id = uid('same-id');
    await h.start('waitForever', undefined, id);
    await h.until(id, 'Running');
    const again = await h.startRaw('sequence', ['X'], id);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: string }).error).toContain('409');
    expect(h.engine.getStatus(id)?.name).toBe('waitForever');
    await h.op('terminate', id, { reason: 'make room' });
    await h.done(id);
    expect(await h.start('sequence', ['Bogota'], id)).toBe(id);
    const done = await h.done(id);
    expect(done).toMatchObject({ name: 'sequence', runtimeStatus: 'Completed', output: ['Hello Bogota!'] });
  });

  it('answers 501 for rewind, 404 for a missing entity, 400 for an unknown orchestrator', async () => {
    const id = await h.start('throws', 'x');
    await h.done(id);
    const rewind = await h.op('rewind', id, { reason: 'retry' });
    expect(((await rewind.json()) as { error: string }).error).toContain('not supported');
    expect((await h.host.fetch('/durabletask/entities/counter/one')).status).toBe(404);
    const unknown = await h.host.fetch('/durabletask/orchestrators/doesNotExist', {
      method: 'POST',
      body: '',
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({
      error: "No orchestrator function named 'doesNotExist' is registered.",
    });
    const badId = await h.host.fetch('/durabletask/orchestrators/sequence/%40bad', {
      method: 'POST',
      body: '[]',
    });
    expect(badId.status).toBe(400);
    const badJson = await h.host.fetch('/durabletask/orchestrators/sequence', {
      method: 'POST',
      body: '{oops',
    });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { error: string }).error).toContain('not valid JSON');
  });

  it('lists instances with a runtimeStatus filter and follows continuation tokens', async () => {
    const ids = [await h.start('sequence', ['A']), await h.start('sequence', ['B'])];
    await Promise.all(ids.map((id) => h.done(id)));
    const list = (await (await h.op('list', undefined, { runtimeStatus: 'Completed' })).json()) as {
      instanceId: string;
    }[];
    expect(list.map((s) => s.instanceId)).toEqual(expect.arrayContaining(ids));
    const page = await h.host.fetch('/durabletask/instances/?top=1');
    expect(page.headers.get('x-ms-continuation-token')).toBeTruthy();
    expect(((await page.json()) as unknown[]).length).toBe(1);
    const bad = await h.host.fetch('/durabletask/instances/?runtimeStatus=Sleeping');
    expect(bad.status).toBe(400);
  });
});
