/**
 * Blob triggers. Polling ones scan their container in Azurite/Storage and invoke once per new blob (name+etag),
 * remembering receipts in the state folder so a restarted host does not fire again. EventGrid-source ones
 * (Flex Consumption) take `Microsoft.Storage.BlobCreated` events on `/runtime/webhooks/blobs`; when the host
 * polls for them, what it finds is delivered as the same event.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import type { BlobServiceClient } from '@azure/storage-blob';
import type { InvocationResult, RegisteredFunction, RpcTypedData } from '../contracts';
import { HttpError } from '../http-io';
import { blobServiceFor } from './blob-connection';
import {
  blobCreatedEvent,
  blobEntries,
  blobNameFromUrl,
  blobTriggerMetadata,
  unquote,
  type BlobEntry,
} from './blob-entries';
import type { GridEvent } from './event-grid';

const MAX_ATTEMPTS = 5;

export type InvokeBlob = (
  fn: RegisteredFunction,
  data: RpcTypedData,
  triggerMetadata: Record<string, RpcTypedData>,
) => Promise<InvocationResult>;

export class BlobTriggers {
  readonly entries: readonly BlobEntry[];
  private readonly clients = new Map<string, BlobServiceClient>();
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly receipts = new Map<string, Record<string, string>>();
  private readonly failures = new Map<string, number>();

  constructor(
    functions: readonly RegisteredFunction[],
    private readonly stateDir: string,
    private readonly invoke: InvokeBlob,
    private readonly log: (line: string) => void,
  ) {
    this.entries = blobEntries(functions);
  }

  entry(name: string): BlobEntry {
    const found = this.entries.find((e) => e.fn.name === name);
    if (!found) {
      const names = this.entries.map((e) => e.fn.name).join(', ') || 'none';
      throw new HttpError(404, `No blob trigger function named "${name}" (blob functions: ${names}).`);
    }
    return found;
  }

  /** Invokes with the given content, without touching storage. `blobPath` is `container/name`. */
  invokeDirect(name: string, blobPath: string, content: Buffer): Promise<InvocationResult> {
    const entry = this.entry(name);
    const [container, ...rest] = blobPath.replace(/^\/+/, '').split('/');
    const tokens = container === entry.pattern.container ? entry.pattern.match(rest.join('/')) : undefined;
    if (!tokens)
      throw new Error(
        `Blob path "${blobPath}" does not match the trigger path "${entry.pattern.text}" of "${name}".`,
      );
    const uri = `http://127.0.0.1:10000/devstoreaccount1/${blobPath}`;
    return this.invoke(
      entry.fn,
      { bytes: content },
      blobTriggerMetadata(blobPath, uri, { length: content.length }, tokens),
    );
  }

  /** Downloads a stored blob (`container/name`) and invokes the function with it, as if it had just arrived. */
  async invokeStored(name: string, blobPath: string): Promise<InvocationResult> {
    const entry = this.entry(name);
    const [container, ...rest] = blobPath.replace(/^\/+/, '').split('/');
    const tokens = container === entry.pattern.container ? entry.pattern.match(rest.join('/')) : undefined;
    if (!tokens) {
      throw new HttpError(
        400,
        `Blob path "${blobPath}" does not match the trigger path "${entry.pattern.text}" of "${name}".`,
      );
    }
    return this.downloadAndInvoke(entry, rest.join('/'), tokens);
  }

  /** Handles BlobCreated events for an EventGrid-source trigger: downloads each blob and invokes once per event. */
  async deliverEvents(name: string, events: readonly GridEvent[]): Promise<InvocationResult[]> {
    const entry = this.entry(name);
    if (!entry.eventGridSource)
      throw new HttpError(
        400,
        `Blob function "${name}" polls its container; only source: 'EventGrid' blob triggers take events.`,
      );
    const results: InvocationResult[] = [];
    for (const event of events) {
      if (event.type !== 'Microsoft.Storage.BlobCreated') continue;
      const url = (event.data as { url?: unknown } | undefined)?.url;
      if (typeof url !== 'string')
        throw new HttpError(400, `Event ${event.id}: data.url must be the blob URL.`);
      const blobName = blobNameFromUrl(url, entry.pattern.container);
      const tokens = blobName === undefined ? undefined : entry.pattern.match(blobName);
      if (blobName === undefined || !tokens) continue;
      results.push(await this.downloadAndInvoke(entry, blobName, tokens));
    }
    return results;
  }

  /** One scan of every blob trigger's container (serialized with background polls). */
  pollOnce(): Promise<void> {
    const run = this.chain.then(() => this.scanAll());
    this.chain = run.catch(() => undefined);
    return run;
  }

  startPolling(intervalMs: number): void {
    if (this.entries.length === 0) return;
    const tick = () => {
      this.pollOnce()
        .catch((error: Error) => this.log(`[warning] blob polling failed: ${error.message}`))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, intervalMs).unref();
        });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.chain;
  }

  private client(entry: BlobEntry): BlobServiceClient {
    let client = this.clients.get(entry.connection);
    if (!client) {
      client = blobServiceFor(entry.connection, entry.fn.name);
      this.clients.set(entry.connection, client);
    }
    return client;
  }

  private async scanAll(): Promise<void> {
    for (const entry of this.entries) {
      try {
        await this.scan(entry);
      } catch (error) {
        this.log(
          `[warning] ${entry.fn.name}: scanning container "${entry.pattern.container}" failed: ${(error as Error).message}`,
        );
      }
    }
  }

  private async scan(entry: BlobEntry): Promise<void> {
    const container = this.client(entry).getContainerClient(entry.pattern.container);
    if (!(await container.exists())) return;
    const receipts = this.readReceipts(entry);
    for await (const blob of container.listBlobsFlat({ prefix: entry.pattern.prefix })) {
      const tokens = entry.pattern.match(blob.name);
      const etag = unquote(blob.properties.etag);
      if (!tokens || receipts[blob.name] === etag) continue;
      const result = entry.eventGridSource
        ? (
            await this.deliverEvents(entry.fn.name, [
              blobCreatedEvent(
                container.getBlobClient(blob.name).url,
                entry.pattern.container,
                blob.name,
                etag,
              ),
            ])
          )[0]
        : await this.downloadAndInvoke(entry, blob.name, tokens);
      if (!result || result.ok) this.remember(entry, blob.name, etag);
      else this.failed(entry, blob.name, etag, result.error);
    }
  }

  /** Like the host's blob queue (maxDequeueCount 5): retried on later polls, then given up ("poison"). */
  private failed(entry: BlobEntry, blobName: string, etag: string, error: Error): void {
    const key = `${entry.fn.name}|${blobName}|${etag}`;
    const attempts = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, attempts);
    if (attempts < MAX_ATTEMPTS) {
      this.log(
        `[warning] ${entry.fn.name}: blob ${blobName} failed (attempt ${attempts} of ${MAX_ATTEMPTS}): ${error.message}`,
      );
      return;
    }
    this.failures.delete(key);
    this.remember(entry, blobName, etag);
    this.log(
      `[error] ${entry.fn.name}: blob ${blobName} failed ${MAX_ATTEMPTS} times; giving up on it: ${error.message}`,
    );
  }

  private remember(entry: BlobEntry, blobName: string, etag: string): void {
    const receipts = this.readReceipts(entry);
    receipts[blobName] = etag;
    this.writeReceipts(entry, receipts);
  }

  private async downloadAndInvoke(
    entry: BlobEntry,
    blobName: string,
    tokens: Record<string, string>,
  ): Promise<InvocationResult> {
    const blob = this.client(entry).getContainerClient(entry.pattern.container).getBlobClient(blobName);
    const content = await blob.downloadToBuffer();
    const props = await blob.getProperties();
    const metadata = blobTriggerMetadata(
      `${entry.pattern.container}/${blobName}`,
      blob.url,
      {
        contentType: props.contentType,
        etag: props.etag,
        lastModified: props.lastModified,
        length: content.length,
      },
      tokens,
    );
    const result = await this.invoke(entry.fn, { bytes: content }, metadata);
    // Remember successful event deliveries too, so that polling later does not deliver the same blob again.
    if (entry.eventGridSource && result.ok) this.remember(entry, blobName, unquote(props.etag));
    return result;
  }

  private receiptsFile(entry: BlobEntry): string {
    return path.join(this.stateDir, 'blob-receipts', `${entry.fn.name}.json`);
  }

  /** Receipts by blob name -> etag (quotes stripped), loaded once and written through to the state folder. */
  private readReceipts(entry: BlobEntry): Record<string, string> {
    let receipts = this.receipts.get(entry.fn.name);
    if (!receipts) {
      const file = this.receiptsFile(entry);
      receipts = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
      this.receipts.set(entry.fn.name, receipts);
    }
    return receipts;
  }

  private writeReceipts(entry: BlobEntry, receipts: Record<string, string>): void {
    const file = this.receiptsFile(entry);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(receipts));
  }
}
