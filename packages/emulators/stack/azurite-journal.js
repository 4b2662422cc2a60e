/**
 * Write-ahead journal for one LokiJS database of the embedded Azurite (used by azurite-write-through.js).
 *
 * The changed documents of each acknowledged metadata call are appended, one JSON record a line, to
 * `<db file>.journal.<n>` and fsynced before the call resolves; concurrent calls share one append and one
 * fsync. LokiJS's own saves (autosave, close) stay the snapshot: when one serializes, the journal rotates to
 * the next file (every record captured before the serialize is in that snapshot), and once the snapshot is
 * renamed into place and fsynced, the older files are deleted, oldest first. At startup the files left are
 * replayed in order on top of the loaded snapshot. See docs/emulators.md, "What survives a kill".
 *
 * Replay is idempotent because every record carries the whole document: an insert or update sets the
 * document with its `$loki`, a remove deletes it if present. The files left at startup are always a
 * contiguous tail of the record sequence (deletion goes oldest first and stops at the first failure), so
 * replaying records the snapshot already holds ends in the snapshot's state.
 */
'use strict';
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const path = require('node:path');

const SUFFIX = '.journal.';

/** The journal files of a database, oldest first. */
function journalFiles(dbFile) {
  const dir = path.dirname(dbFile);
  const prefix = path.basename(dbFile) + SUFFIX;
  let names;
  try {
    names = fs.readdirSync(dir);
  } catch (error) {
    if (error.code === 'ENOENT') return [];
    throw error;
  }
  return names
    .filter((name) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)))
    .map((name) => ({ index: Number(name.slice(prefix.length)), file: path.join(dir, name) }))
    .sort((a, b) => a.index - b.index);
}

/** Records of one file; an unterminated last line is a torn append (killed mid-write, never acknowledged). */
function readRecords(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines.pop();
  return lines.map((line, i) => {
    try {
      return JSON.parse(line);
    } catch {
      throw new Error(`Azurite journal ${file}: record ${i + 1} is not JSON`);
    }
  });
}

/** Applies records to the loaded collections, then rebuilds what LokiJS derives from `data`. */
function applyRecords(db, records) {
  const touched = new Map();
  for (const record of records) {
    let docs = touched.get(record.name);
    if (!docs) {
      const collection = db.getCollection(record.name);
      if (!collection) throw new Error(`Azurite journal names an unknown collection ${record.name}`);
      docs = { collection, byId: new Map(collection.data.map((doc) => [doc.$loki, doc])), maxId: 0 };
      touched.set(record.name, docs);
    }
    const id = record.obj && record.obj.$loki;
    if (typeof id !== 'number') throw new Error(`Azurite journal record without $loki in ${record.name}`);
    docs.maxId = Math.max(docs.maxId, id);
    if (record.operation === 'R') docs.byId.delete(id);
    else if (record.operation === 'I' || record.operation === 'U') docs.byId.set(id, record.obj);
    else throw new Error(`Azurite journal record with operation ${record.operation}`);
  }
  for (const { collection, byId, maxId } of touched.values()) {
    // LokiJS keeps data sorted by $loki (get() binary-searches idIndex).
    collection.data = [...byId.values()].sort((a, b) => a.$loki - b.$loki);
    collection.idIndex = collection.data.map((doc) => doc.$loki);
    collection.maxId = Math.max(collection.maxId || 0, maxId);
    for (const field of collection.uniqueNames) collection.ensureUniqueIndex(field);
    collection.ensureAllIndexes(true);
    collection.dirty = true;
  }
}

async function fsyncPath(file) {
  const handle = await fsp.open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

class Journal {
  constructor(db) {
    this.db = db;
    this.dbFile = db.filename;
    this.dir = path.dirname(this.dbFile);
    this.ready = false;
    this.index = 1; // file the next captured records go to
    this.seq = 0; // chunks captured
    this.doneSeq = 0; // chunks written (or failed)
    this.pending = []; // { index, seq, text }
    this.waiters = []; // { seq, resolve, reject }
    this.handles = new Map(); // index -> FileHandle
    this.flushing = false;
    this.recovery = null; // { upTo, saved } after a failed append, until a snapshot covers it
    this.cleanup = Promise.resolve();
  }

  /** Replays the journal files onto the loaded snapshot (before Azurite serves anything). */
  replay() {
    const files = journalFiles(this.dbFile);
    const records = [];
    for (const { file } of files) records.push(...readRecords(file));
    if (records.length > 0) applyRecords(this.db, records);
    return files;
  }

  /** Starts journalling: from now on changes are captured; returns whether older files need a snapshot. */
  start() {
    const files = journalFiles(this.dbFile);
    this.index = files.length > 0 ? files[files.length - 1].index + 1 : 1;
    for (const collection of this.db.collections) {
      collection.setChangesApi(true);
      collection.disableDeltaChangesApi = true; // whole documents, so replay is idempotent
    }
    this.db.clearChanges();
    this.ready = true;
    return files.length > 0;
  }

  /** Moves the database's pending changes into the next chunk (synchronous, so it keeps their order). */
  capture() {
    const changes = this.db.generateChangesNotification();
    if (changes.length === 0) return;
    this.db.clearChanges();
    let text = '';
    for (const change of changes) {
      text += JSON.stringify({ name: change.name, operation: change.operation, obj: change.obj }) + '\n';
    }
    this.pending.push({ index: this.index, seq: ++this.seq, text });
  }

  /** Resolves once every change made so far is fsynced in the journal. */
  commit() {
    this.capture();
    const seq = this.seq;
    if (this.recovery && seq <= this.recovery.upTo) return this.recovery.saved;
    if (this.doneSeq >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ seq, resolve, reject });
      this.flush();
    });
  }

  flush() {
    if (this.flushing) return;
    this.flushing = true;
    void this.flushLoop();
  }

  async flushLoop() {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      const upTo = batch[batch.length - 1].seq;
      let failure;
      try {
        await this.write(batch);
      } catch (error) {
        failure = error;
        this.recover(upTo);
      }
      this.doneSeq = upTo;
      const due = this.waiters.filter((waiter) => waiter.seq <= upTo);
      this.waiters = this.waiters.filter((waiter) => waiter.seq > upTo);
      for (const waiter of due) failure ? waiter.reject(failure) : waiter.resolve();
    }
    this.flushing = false;
  }

  /**
   * An append failed: the file may end in a partial record, so later records go to a new file, and a
   * snapshot folds in the failed chunks. Their callers are refused; a caller whose changes rode in them
   * (captured by another call) waits for that snapshot instead.
   */
  recover(upTo) {
    this.index += 1;
    for (const chunk of this.pending) chunk.index = this.index;
    const saved = new Promise((resolve, reject) =>
      this.db.saveDatabase((error) => (error ? reject(error) : resolve())),
    );
    saved.catch(() => undefined);
    this.recovery = { upTo, saved };
  }

  async write(batch) {
    for (let start = 0; start < batch.length;) {
      const index = batch[start].index;
      let text = '';
      let end = start;
      for (; end < batch.length && batch[end].index === index; end++) text += batch[end].text;
      const handle = await this.handle(index);
      await handle.appendFile(text);
      await handle.datasync();
      start = end;
    }
    for (const [index, handle] of this.handles) {
      if (index < this.index) {
        this.handles.delete(index);
        await handle.close();
      }
    }
  }

  async handle(index) {
    let handle = this.handles.get(index);
    if (!handle) {
      handle = await fsp.open(this.dbFile + SUFFIX + index, 'a');
      this.handles.set(index, handle);
      await fsyncPath(this.dir); // the new file's directory entry
    }
    return handle;
  }

  /** Called synchronously just before a snapshot serializes: later changes go to a new file. */
  rotate() {
    this.capture();
    const covered = { index: this.index, seq: this.seq };
    this.index += 1;
    return covered;
  }

  /** The snapshot taken at `rotate()` is in place: make it durable, then drop the files it covers. */
  snapshotSaved(covered) {
    const run = async () => {
      await fsyncPath(this.dbFile);
      await fsyncPath(this.dir);
      if (this.recovery && this.recovery.upTo <= covered.seq) this.recovery = null;
      await this.written(covered.seq);
      for (const { index, file } of journalFiles(this.dbFile)) {
        if (index > covered.index) break;
        try {
          await fsp.unlink(file);
        } catch (error) {
          // Kept files stay a contiguous tail and replay idempotently; the next snapshot retries.
          if (error.code !== 'ENOENT') return;
        }
      }
    };
    this.cleanup = this.cleanup.then(run, run);
    return this.cleanup;
  }

  /** Waits for the appends in flight, then closes the files (the store closed). */
  async close() {
    this.ready = false;
    await this.written(this.seq);
    await this.cleanup.catch(() => undefined);
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(handles.map((handle) => handle.close()));
  }

  /** Resolves once every chunk up to `seq` was written (or failed). */
  written(seq) {
    if (this.doneSeq >= seq) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push({ seq, resolve, reject: resolve });
      this.flush();
    });
  }
}

module.exports = { Journal, journalFiles };
