import { randomUUID } from 'node:crypto';
import { ArmError } from './errors';
import type { GroupState } from './group';
import { OPERATION_API_VERSION } from './options';
import { renderOperation } from './render';

interface OperationRecord {
  readonly key: string;
  readonly generation: number;
  readonly startTime: number;
}

const MAX_OPERATIONS = 100_000;

/** The `Azure-AsyncOperation` records: which group (and which deployment of it) an operation id follows. */
export class OperationLog {
  private readonly records = new Map<string, OperationRecord>();

  /** Starts an operation for the group's current deployment and returns its id. */
  begin(g: GroupState, now: number): string {
    const id = randomUUID();
    this.records.set(id, { key: g.key, generation: g.generation, startTime: now });
    if (this.records.size > MAX_OPERATIONS) {
      const oldest = this.records.keys().next().value;
      if (oldest !== undefined) this.records.delete(oldest);
    }
    return id;
  }

  /** The status URL, on the caller's origin (the SDK follows it verbatim). */
  url(g: GroupState, origin: string): string {
    return `${origin}/subscriptions/${g.subscription}/providers/Microsoft.ContainerInstance/locations/${encodeURIComponent(g.location)}/operations/${g.operationId}?api-version=${OPERATION_API_VERSION}`;
  }

  status(id: string, groups: ReadonlyMap<string, GroupState>, now: number): Record<string, unknown> {
    const op = this.records.get(id);
    if (!op) throw new ArmError(404, 'OperationNotFound', `The operation '${id}' could not be found.`);
    return renderOperation(groups.get(op.key), op.generation, op.startTime, now);
  }

  clear(): void {
    this.records.clear();
  }
}
