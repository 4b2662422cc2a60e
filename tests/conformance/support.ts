/**
 * Conformance harness: the real host (`startHost`) loads the fixture app with the real `@azure/functions` and
 * `durable-functions`; tests start and drive orchestrations through the fixture's HTTP functions, which use the
 * real `DurableClient`, and wait through the engine API. Time is a VirtualClock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { VirtualClock } from '../../packages/emulators/common/clock';
import { startHost, type Host } from '../../packages/emulators/functions';
import type { DurableEngineApi, OrchestrationStatusView } from '../../packages/emulators/functions/contracts';
import { waitFor } from '../support/wait-for';

export const appDir = path.join(__dirname, '../fixtures/durable-apps/conformance');

const TERMINAL = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);

export interface Probe {
  calls: Record<string, number>;
  gates: Record<string, { open?: boolean; waiting?: number; resolve?: () => void; promise?: Promise<void> }>;
  records: { instanceId: string; value: unknown }[];
  active?: number;
  maxActive?: number;
}

export function probe(): Probe {
  const g = globalThis as { __durableConformance?: Probe };
  g.__durableConformance ??= { calls: {}, gates: {}, records: [] };
  return g.__durableConformance;
}

export function openGate(key: string): void {
  const g = (probe().gates[key] ??= {});
  g.open = true;
  g.resolve?.();
}

let counter = 0;
/** An instance id unique to this test run. */
export function uid(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${Date.now().toString(36)}`;
}

export class Harness {
  private constructor(
    readonly host: Host,
    readonly clock: VirtualClock,
    readonly stateDir: string,
  ) {}

  static async start(options: { stateDir?: string; clock?: VirtualClock } = {}): Promise<Harness> {
    const stateDir = options.stateDir ?? mkdtempSync(path.join(os.tmpdir(), 'durable-conformance-'));
    const clock = options.clock ?? new VirtualClock();
    const host = await startHost({ appDir, clock, stateDir, blobPollIntervalMs: false });
    return new Harness(host, clock, stateDir);
  }

  get engine(): DurableEngineApi {
    return this.host.engine;
  }

  /** Starts `name` through the fixture's starter (real DurableClient.startNew + createCheckStatusResponse). */
  async start(name: string, input?: unknown, id?: string): Promise<string> {
    const res = await this.startRaw(name, input, id);
    const body = (await res.json()) as { id?: string; error?: string };
    if (res.status !== 202 || !body.id)
      throw new Error(`start ${name} failed: ${res.status} ${JSON.stringify(body)}`);
    return body.id;
  }

  startRaw(name: string, input?: unknown, id?: string): Promise<Response> {
    return this.host.invokeHttp('startOrchestration', {
      params: id ? { name, id } : { name },
      ...(input !== undefined ? { body: JSON.stringify(input) } : {}),
    });
  }

  /** Runs a DurableClient operation through the fixture's `clientOp` function. */
  op(op: string, id?: string, query: Record<string, string> = {}, body?: unknown): Promise<Response> {
    return this.host.invokeHttp('clientOp', {
      method: op === 'status' || op === 'list' || op === 'wait' || op === 'payload' ? 'GET' : 'POST',
      params: id ? { op, id } : { op },
      query,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  }

  async status(id: string, query: Record<string, string> = {}): Promise<Record<string, unknown>> {
    const res = await this.op('status', id, query);
    const body = (await res.json()) as Record<string, unknown>;
    if (res.status !== 200) throw new Error(`status ${id}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  }

  /**
   * `historyEvents` from the webhook status route (the 3.x client drops them: docs/durable-engine.md, 'Status
   * objects').
   */
  async history(id: string, showHistoryOutput = true): Promise<Record<string, unknown>[]> {
    const query = `showHistory=true&showHistoryOutput=${showHistoryOutput}`;
    const res = await this.host.fetch(
      `/runtime/webhooks/durabletask/instances/${encodeURIComponent(id)}?${query}`,
    );
    const body = (await res.json()) as { historyEvents?: Record<string, unknown>[] };
    if (!body.historyEvents)
      throw new Error(`no historyEvents for ${id}: ${res.status} ${JSON.stringify(body)}`);
    return body.historyEvents;
  }

  done(id: string, timeoutMs = 20000): Promise<OrchestrationStatusView> {
    return this.engine.waitForStatus(id, (s) => TERMINAL.has(s.runtimeStatus), timeoutMs);
  }

  until(id: string, status: string, timeoutMs = 20000): Promise<OrchestrationStatusView> {
    return this.engine.waitForStatus(id, (s) => s.runtimeStatus === status, timeoutMs);
  }

  /** Waits (real time, bounded) until the virtual clock has at least `n` timers armed. */
  async timersArmed(n: number, timeoutMs = 10000): Promise<void> {
    await waitFor(() => this.clock.pending().length >= n, {
      what: `${n} armed timers (have ${this.clock.pending().length})`,
      timeoutMs,
      intervalMs: 5,
    });
  }

  async stop(options: { keepState?: boolean } = {}): Promise<void> {
    await this.host.stop();
    if (!options.keepState) rmSync(this.stateDir, { recursive: true, force: true });
  }
}
