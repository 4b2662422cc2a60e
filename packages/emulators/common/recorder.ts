/** Every request an emulator answered, so tests can count management calls and find leaks. */
export interface RecordedRequest {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** A stable operation name, e.g. `ContainerGroups_CreateOrUpdate` or `Task_AddCollection`. */
  readonly operation: string;
  /** Fault rule that answered it, if any. */
  readonly fault?: string;
  /** `x-ms-client-request-id`: the SDK keeps it across retries of one call. */
  readonly clientRequestId?: string;
  /** Problems the emulator found in the request body (absent when the body validated or had none). */
  readonly validationErrors?: readonly string[];
}

export class RequestRecorder {
  private readonly entries: RecordedRequest[] = [];

  constructor(private readonly limit = 200_000) {}

  record(entry: RecordedRequest): void {
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
  }

  all(): readonly RecordedRequest[] {
    return this.entries;
  }

  /** Requests per operation. */
  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const e of this.entries) counts[e.operation] = (counts[e.operation] ?? 0) + 1;
    return counts;
  }

  clear(): void {
    this.entries.length = 0;
  }
}
