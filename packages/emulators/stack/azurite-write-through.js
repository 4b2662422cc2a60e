/**
 * Preloaded into the embedded Azurite (`node --require`): makes its metadata write-through.
 *
 * Azurite 3.37 keeps container, blob and extent metadata in LokiJS databases that autosave every 5 s and
 * offers no option to change that (only `--inMemoryPersistence`, which keeps nothing). A SIGKILL therefore
 * loses everything acknowledged in the last autosave window, and under steady writes that is always
 * something. This hook makes every metadata-store call that changed the database wait for a save before
 * it resolves, so Azurite acknowledges a request only once its metadata is on disk (blob contents are
 * written to extent files before the metadata call). Saves are coalesced by LokiJS's throttled saves.
 *
 * A save serializes the whole database, once per acknowledged write, so its speed bounds Azurite's. LokiJS
 * serializes with a JSON.stringify replacer, which V8 calls for every key of every document and which keeps
 * JSON.stringify off its fast path; `serialize` below drops the same bookkeeping fields by copying only the
 * database and collection objects that hold them, then stringifies without a replacer. The file format is
 * unchanged (LokiJS's own `loadJSON` reads it). See docs/emulators.md, "What survives a kill".
 */
'use strict';
const path = require('node:path');

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

function save(db) {
  return new Promise((resolve, reject) => db.saveDatabase((error) => (error ? reject(error) : resolve())));
}

for (const file of stores) {
  const proto = require(file).default.prototype;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const original = proto[name];
    if (SKIP.has(name) || typeof original !== 'function') continue;
    proto[name] = function writeThrough(...args) {
      const result = original.apply(this, args);
      if (!result || typeof result.then !== 'function') return result;
      return result.then(async (value) => {
        if (this.db && this.db.persistenceMethod === 'fs' && this.db.autosaveDirty()) await save(this.db);
        return value;
      });
    };
  }
}
