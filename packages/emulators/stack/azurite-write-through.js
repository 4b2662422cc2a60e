/**
 * Preloaded into the embedded Azurite (`node --require`): makes its metadata write-through.
 *
 * Azurite 3.37 keeps container, blob and extent metadata in LokiJS databases that autosave every 5 s and
 * offers no option to change that (only `--inMemoryPersistence`, which keeps nothing). A SIGKILL therefore
 * loses everything acknowledged in the last autosave window, and under steady writes that is always
 * something. This hook makes every metadata-store call that changed the database wait for a save before
 * it resolves, so Azurite acknowledges a request only once its metadata is on disk (blob contents are
 * written to extent files before the metadata call). Saves are coalesced by LokiJS's throttled saves.
 * See docs/emulators.md, "What survives a kill".
 */
'use strict';
const path = require('node:path');

const root = path.dirname(require.resolve('azurite/package.json'));
const stores = [
  path.join(root, 'dist/src/blob/persistence/LokiBlobMetadataStore.js'),
  path.join(root, 'dist/src/common/persistence/LokiExtentMetadataStore.js'),
];
const SKIP = new Set(['constructor', 'init', 'close', 'clean', 'isInitialized', 'isClosed']);

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
