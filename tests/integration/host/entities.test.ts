import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { VirtualClock } from '../../../packages/emulators/common/clock';
import { startHost, type Host } from '../../../packages/emulators/functions';

const appDir = path.join(__dirname, '../../fixtures/apps/entities');

interface ReadState {
  entityExists: boolean;
  entityState: unknown;
}

/** Polls `read` until `done` holds (bounded), returning the last value. */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, ms = 10000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > end) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('embedded host: Durable entities through the real durable-functions library (entities fixture)', () => {
  let host: Host;
  const clock = new VirtualClock();
  let stateDir: string;

  const read = async (key: string) =>
    (await (await host.invokeHttp('read', { params: { key } })).json()) as ReadState;
  const signal = (key: string, op: string, body?: unknown) =>
    host.invokeHttp('signal', {
      params: { key, op },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  const start = async (name: string, input: unknown) => {
    const res = await host.invokeHttp('startOrchestration', {
      params: { name },
      body: JSON.stringify(input),
    });
    return ((await res.json()) as { id: string }).id;
  };

  beforeAll(async () => {
    host = await startHost({ appDir, clock });
    stateDir = host.stateDir;
  });
  afterAll(() => host.stop());

  it('loads an app with an entity (not refused) and lists it as an entityTrigger', () => {
    expect(host.functions.find((f) => f.name === 'Counter')?.trigger).toBe('entityTrigger');
  });

  it('applies client signals in order and readEntityState returns the state', async () => {
    expect(await read('c1')).toEqual({ entityExists: false, entityState: null });
    for (const n of [1, 2, 3]) expect((await signal('c1', 'add', n)).status).toBe(202);
    const state = await until(
      () => read('c1'),
      (s) => s.entityState === 6,
    );
    expect(state).toEqual({ entityExists: true, entityState: 6 });
    // Order matters: reset then add gives 10, add then reset would give 0.
    await signal('c1', 'reset');
    await signal('c1', 'add', 10);
    expect(
      (
        await until(
          () => read('c1'),
          (s) => s.entityState === 10,
        )
      ).entityState,
    ).toBe(10);
    // State is persisted under the host's state folder.
    expect(readdirSync(path.join(stateDir, 'durable', 'entities'))).toContain(
      `${encodeURIComponent('@counter@c1')}.json`,
    );
  });

  it('signalEntity and callEntity from an orchestrator; callEntity returns the operation result', async () => {
    const id = await start('addThenRead', { key: 'o1', amount: 4 });
    const done = await host.engine.waitForStatus(
      id,
      (s) => s.runtimeStatus !== 'Running' && s.runtimeStatus !== 'Pending',
      10000,
    );
    expect(done.runtimeStatus).toBe('Completed');
    // The signal (4) is sent before the call (4): the read sees both.
    expect(done.output).toBe(8);
    const history = (await (
      await host.fetch(`/runtime/webhooks/durabletask/instances/${id}?showHistory=true`)
    ).json()) as {
      historyEvents: { EventType: string }[];
    };
    expect(history.historyEvents.filter((e) => e.EventType === 'EventSent')).toHaveLength(3);
  });

  it('an entity signals another entity', async () => {
    await signal('e1', 'addAndForward', { amount: 7, to: 'e2' });
    expect(
      (
        await until(
          () => read('e2'),
          (s) => s.entityState === 7,
        )
      ).entityState,
    ).toBe(7);
    expect((await read('e1')).entityState).toBe(7);
  });

  it('an operation that throws fails the callEntity task in the orchestrator', async () => {
    const id = await start('callFailing', 'f1');
    const done = await host.engine.waitForStatus(id, (s) => s.runtimeStatus === 'Completed', 10000);
    expect(done.output).toBe('caught: true');
  });

  it('lock: a critical section over two entities holds back other callers until release', async () => {
    await signal('acct-a', 'add', 50);
    await until(
      () => read('acct-a'),
      (s) => s.entityState === 50,
    );
    const id = await start('transfer', { from: 'acct-a', to: 'acct-b', amount: 20 });
    const entities = (
      host.engine as unknown as { entities: { get(e: string): { lockedBy?: string } | undefined } }
    ).entities;
    await until(
      () => Promise.resolve(entities.get('@counter@acct-b')?.lockedBy),
      (holder) => holder === id,
    );
    // Another orchestration calls the locked entity: it must wait for the release.
    const other = await start('bump', 'acct-a');
    await until(
      () => Promise.resolve(host.engine.getStatus(other)?.runtimeStatus),
      (s) => s === 'Running',
    );
    const raise = await host.fetch(`/runtime/webhooks/durabletask/instances/${id}/raiseEvent/proceed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'true',
    });
    expect(raise.status).toBe(202);
    const done = await host.engine.waitForStatus(id, (s) => s.runtimeStatus === 'Completed', 10000);
    expect(done.output).toEqual({ locked: true, before: 50, afterA: 30, lockedAfter: false });
    const bumped = await host.engine.waitForStatus(other, (s) => s.runtimeStatus === 'Completed', 10000);
    expect(bumped.runtimeStatus).toBe('Completed');
    expect(
      (
        await until(
          () => read('acct-a'),
          (s) => s.entityState === 130,
        )
      ).entityState,
    ).toBe(130);
    expect((await read('acct-b')).entityState).toBe(20);
  });

  it('management API: entity list and state, 400/404 JSON for bad requests', async () => {
    const list = (await (await host.fetch('/runtime/webhooks/durabletask/entities/Counter')).json()) as {
      entityId: { name: string; key: string };
      state: unknown;
    }[];
    expect(list.find((e) => e.entityId.key === 'c1')?.state).toBe(10);
    const missing = await host.fetch('/runtime/webhooks/durabletask/entities/Counter/nope');
    expect(missing.status).toBe(404);
    const noOp = await host.fetch('/runtime/webhooks/durabletask/entities/Counter/c1', { method: 'POST' });
    expect(noOp.status).toBe(400);
    expect(((await noOp.json()) as { error: string }).error).toContain('op=');
    const unknown = await host.fetch('/runtime/webhooks/durabletask/entities/Nope/x?op=add', {
      method: 'POST',
    });
    expect(unknown.status).toBe(404);
  });

  it('destructOnExit deletes the entity', async () => {
    await signal('d1', 'add', 1);
    await until(
      () => read('d1'),
      (s) => s.entityExists,
    );
    await signal('d1', 'delete');
    expect(
      (
        await until(
          () => read('d1'),
          (s) => !s.entityExists,
        )
      ).entityExists,
    ).toBe(false);
  });
});
