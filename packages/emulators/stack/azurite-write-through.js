/**
 * Preloaded into the embedded Azurite (`node --require`): makes its metadata durable per request.
 *
 * Azurite 3.37 keeps container, blob and extent metadata in LokiJS databases that autosave every 5 s and
 * offers no option to change that (only `--inMemoryPersistence`, which keeps nothing). A SIGKILL therefore
 * loses everything acknowledged in the last autosave window. This hook makes every metadata-store call wait,
 * before it resolves, until the documents it changed are fsynced in a write-ahead journal next to the
 * database file (azurite-journal.js; LokiJS's changes API captures them), so Azurite acknowledges a request
 * only once its metadata is on disk (blob contents are written to extent files before the metadata call).
 * LokiJS's own saves stay the snapshots that bound the journal, and the stores' `init` replays the journal
 * after loading the snapshot, before Azurite serves anything.
 *
 * A snapshot serializes the whole database. LokiJS serializes with a JSON.stringify replacer, which V8 calls
 * for every key of every document and which keeps JSON.stringify off its fast path; `serialize` below drops
 * the same bookkeeping fields by copying only the database and collection objects that hold them, then
 * stringifies without a replacer. The file format is unchanged (LokiJS's own `loadJSON` reads it). See
 * docs/emulators.md, "What survives a kill".
 */
'use strict';
const path = require('node:path');
const { Journal } = require('./azurite-journal.js');

const root = path.dirname(require.resolve('azurite/package.json'));
const stores = [
  path.join(root, 'dist/src/blob/persistence/LokiBlobMetadataStore.js'),
  path.join(root, 'dist/src/common/persistence/LokiExtentMetadataStore.js'),
];
const SKIP = new Set(['constructor', 'init', 'close', 'clean', 'isInitialized', 'isClosed']);

/** Keys LokiJS's `serializeReplacer` drops: database bookkeeping and collection-level timers and indexes. */
const DB_NULLED = ['autosaveHandle', 'persistenceAdapter', 'lokiConsoleWrapper'];
const DB_DROPPED = ['throttledSavePending', 'throttledCallbacks'];
const COLLECTION_NULLED = ['constraints', 'ttl'];

function fastSerialize(db) {
  const shell = { ...db };
  for (const key of DB_NULLED) if (key in shell) shell[key] = null;
  for (const key of DB_DROPPED) delete shell[key];
  shell.collections = db.collections.map((collection) => {
    const copy = { ...collection };
    for (const key of COLLECTION_NULLED) if (key in copy) copy[key] = null;
    return copy;
  });
  return JSON.stringify(shell);
}

const Loki = require(require.resolve('lokijs', { paths: [root] }));
const serialize = Loki.prototype.serialize;
Loki.prototype.serialize = function fastNormalSerialize(options) {
  const method = (options && options.serializationMethod) || this.options.serializationMethod || 'normal';
  return method === 'normal' ? fastSerialize(this) : serialize.call(this, options);
};

const journals = new WeakMap(); // Loki database -> Journal

// Every snapshot (autosave, close, the one after a replay) rotates the journal right before it serializes.
const saveInternal = Loki.prototype.saveDatabaseInternal;
Loki.prototype.saveDatabaseInternal = function journalledSave(callback) {
  const journal = journals.get(this);
  if (!journal || !journal.ready) return saveInternal.call(this, callback);
  const covered = journal.rotate();
  const done = (error) => {
    if (callback) callback(error);
    else if (error) throw error;
  };
  return saveInternal.call(this, (error) => {
    if (error) return done(error);
    journal.snapshotSaved(covered).then(() => done(), done);
  });
};

function save(db) {
  return new Promise((resolve, reject) => db.saveDatabase((error) => (error ? reject(error) : resolve())));
}

for (const file of stores) {
  const proto = require(file).default.prototype;
  const init = proto.init;
  proto.init = async function journalledInit(...args) {
    if (!this.db || this.db.persistenceMethod !== 'fs') return init.apply(this, args);
    const db = this.db;
    const journal = new Journal(db);
    journals.set(db, journal);
    // Replay right after Loki loads the snapshot, so the save `init` makes next already holds it.
    let replayed = false;
    db.loadDatabase = function loadThenReplay(options, callback) {
      return Loki.prototype.loadDatabase.call(this, options, (error) => {
        if (!error) {
          try {
            journal.replay();
            replayed = true;
          } catch (replayError) {
            error = replayError;
          }
        }
        callback(error);
      });
    };
    try {
      await init.apply(this, args);
    } finally {
      delete db.loadDatabase;
    }
    if (!replayed) journal.replay(); // no snapshot file yet
    // Files from before this start are folded into a snapshot and deleted before any request is served.
    if (journal.start()) await save(db);
  };
  const close = proto.close;
  proto.close = async function journalledClose(...args) {
    await close.apply(this, args);
    const journal = this.db && journals.get(this.db);
    if (journal) await journal.close();
  };
  for (const name of Object.getOwnPropertyNames(proto)) {
    const original = proto[name];
    if (SKIP.has(name) || typeof original !== 'function') continue;
    proto[name] = function journalled(...args) {
      const result = original.apply(this, args);
      if (!result || typeof result.then !== 'function') return result;
      return result.then(async (value) => {
        const journal = this.db && journals.get(this.db);
        if (journal && journal.ready) await journal.commit();
        return value;
      });
    };
  }
}
