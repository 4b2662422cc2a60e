import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Harness, uid } from './support';
import { waitFor } from '../support/wait-for';

/** docs/durable-engine.md, 'Memory and paging': finished instances leave memory and stay queryable. */
async function pagedOut(h: Harness): Promise<void> {
  await waitFor(
    () => {
      const s = h.engine.stats();
      return s.residentInstances === 0 && s.openLogs === 0 && h.engine.idle();
    },
    { what: 'every finished instance to be paged out', timeoutMs: 10000, intervalMs: 5 },
  );
}

/** Runs a sequence, a parent with two children and a custom-status orchestration to their end. */
async function finishSome(h: Harness): Promise<{ seq: string; parent: string; status: string }> {
  const seq = await h.start('sequence', ['Lagos', 'Lima'], uid('paged-seq'));
  const parent = await h.start('parent');
  const status = await h.start('withStatus');
  await h.engine.waitForStatus(status, (s) => s.customStatus !== null);
  expect((await h.op('raise', status, { event: 'next' }, 'go on')).status).toBe(202);
  for (const id of [seq, parent, status]) expect((await h.done(id)).runtimeStatus).toBe('Completed');
  return { seq, parent, status };
}

async function expectQueryable(h: Harness, ids: { seq: string; parent: string; status: string }) {
  expect(await h.status(ids.seq, { showInput: 'true' })).toMatchObject({
    runtimeStatus: 'Completed',
    input: ['Lagos', 'Lima'],
    output: ['Hello Lagos!', 'Hello Lima!'],
  });
  expect(await h.status(ids.status)).toMatchObject({
    output: 'go on',
    customStatus: { stage: 'done', step: 2 },
  });
  expect(h.engine.getStatus(`${ids.parent}-named-child`)).toMatchObject({
    runtimeStatus: 'Completed',
    output: { n: 7, doubled: 14, parent: ids.parent },
  });
  const history = await h.history(ids.seq);
  const results = history.filter((e) => e.EventType === 'TaskCompleted').map((e) => e.Result);
  expect(results).toEqual(['Hello Lagos!', 'Hello Lima!']);
  expect(history.at(-1)).toMatchObject({ EventType: 'ExecutionCompleted', OrchestrationStatus: 'Completed' });
  const list = (await (await h.op('list', undefined, { runtimeStatus: 'Completed' })).json()) as {
    instanceId: string;
    output: unknown;
  }[];
  const listed = new Map(list.map((s) => [s.instanceId, s.output]));
  expect(listed.get(ids.seq)).toEqual(['Hello Lagos!', 'Hello Lima!']);
  expect(listed.get(ids.status)).toBe('go on');
  expect(listed.has(`${ids.parent}-named-child`)).toBe(true);
}

describe('durable conformance: finished instances are paged out of memory', () => {
  let stateDir: string;
  beforeEach(() => {
    stateDir = mkdtempSync(path.join(os.tmpdir(), 'durable-paging-'));
  });
  afterEach(() => {
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('keeps no finished instance in memory, and answers status, history, list, 410s, replace and purge', async () => {
    const h = await Harness.start({ stateDir });
    try {
      const before = h.engine.stats().pagedOutInstances;
      const ids = await finishSome(h);
      await pagedOut(h);
      // sequence, parent, its two children, withStatus
      expect(h.engine.stats().pagedOutInstances - before).toBe(5);
      await expectQueryable(h, ids);

      const raised = await h.host.fetch(`/durabletask/instances/${ids.status}/raiseEvent/next`, {
        method: 'POST',
      });
      expect(raised.status).toBe(410);
      const rewound = await h.host.fetch(`/durabletask/instances/${ids.seq}/rewind`, { method: 'POST' });
      expect(rewound.status).toBe(410);

      // A finished id can be started again; the new execution replaces the paged-out one.
      await h.start('sequence', ['Oslo'], ids.seq);
      expect((await h.done(ids.seq)).output).toEqual(['Hello Oslo!']);
      await pagedOut(h);
      expect((await h.status(ids.seq)).output).toEqual(['Hello Oslo!']);

      const purged = (await (await h.op('purge', ids.seq)).json()) as { instancesDeleted: number };
      expect(purged.instancesDeleted).toBe(1);
      expect((await h.host.fetch(`/durabletask/instances/${ids.seq}`)).status).toBe(404);
      const list = (await (await h.op('list')).json()) as { instanceId: string }[];
      expect(list.map((s) => s.instanceId)).not.toContain(ids.seq);
      expect(list.map((s) => s.instanceId)).toContain(ids.status);
      expect((await h.host.fetch(`/durabletask/instances/${ids.seq}`, { method: 'DELETE' })).status).toBe(
        404,
      );
    } finally {
      await h.stop({ keepState: true });
    }
  });

  it('loads nothing finished into memory after a restart, and still answers for it', async () => {
    const first = await Harness.start({ stateDir });
    let ids: { seq: string; parent: string; status: string };
    try {
      ids = await finishSome(first);
      await pagedOut(first);
    } finally {
      await first.stop({ keepState: true });
    }
    const second = await Harness.start({ stateDir });
    try {
      expect(second.engine.stats().residentInstances).toBe(0);
      await expectQueryable(second, ids);
      expect(second.engine.stats().residentInstances).toBe(0);
      const from = new Date(0).toISOString();
      const res = await second.host.fetch(
        `/durabletask/instances/?createdTimeFrom=${from}&instanceIdPrefix=${ids.parent}`,
        { method: 'DELETE' },
      );
      // the parent and its named child (the other child's id starts with the parent's execution id)
      expect(await res.json()).toEqual({ instancesDeleted: 2 });
      expect(second.engine.getStatus(ids.parent)).toBeUndefined();
      expect(second.engine.getStatus(ids.seq)?.runtimeStatus).toBe('Completed');
    } finally {
      await second.stop({ keepState: true });
    }
  });
});
