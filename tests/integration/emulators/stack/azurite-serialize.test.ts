import { join } from 'node:path';

/**
 * The write-through preload's serializer (packages/emulators/stack/azurite-write-through.js) writes the
 * same database file as LokiJS's own, read back by LokiJS's own loader (docs/emulators.md, "What survives a
 * kill"). Compared on a database shaped like Azurite's: unique and binary indexes, a TTL daemon, dates.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Loki = require(require.resolve('lokijs', { paths: [require.resolve('azurite/package.json')] })) as new (
  name: string,
) => {
  addCollection(
    name: string,
    options?: object,
  ): { insert(doc: object): void; setTTL(age: number, interval: number): void };
  getCollection(name: string): { count(): number; by(field: string, value: string): Record<string, unknown> };
  serialize(): string;
  loadJSON(text: string): void;
};

function database() {
  const db = new Loki('azurite.db');
  const blobs = db.addCollection('$BLOBS_COLLECTION$', { unique: ['name'], indices: ['containerName'] });
  for (let i = 0; i < 500; i++)
    blobs.insert({
      name: `run/img-${i}/out.bin`,
      containerName: `c${i % 3}`,
      properties: {
        etag: `0x${i.toString(16)}`,
        contentLength: i,
        lastModified: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
      },
      metadata: { owner: 'flotilla' },
    });
  db.addCollection('$CONTAINERS_COLLECTION$').insert({ name: 'results', metadata: {} });
  db.addCollection('expiring').setTTL(60_000, 3_600_000);
  return db;
}

test('the fast serializer writes byte for byte what LokiJS writes, and LokiJS loads it back', () => {
  const db = database();
  const expected = db.serialize();
  const original = Object.getPrototypeOf(db).serialize as unknown;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(join(__dirname, '../../../../packages/emulators/stack/azurite-write-through.js'));
  // The preload replaced LokiJS's serializer in the module Azurite uses (the same one as here).
  expect(Object.getPrototypeOf(db).serialize).not.toBe(original);
  const written = db.serialize();
  expect(written).toBe(expected);
  const loaded = new Loki('reloaded.db');
  loaded.loadJSON(written);
  expect(loaded.getCollection('$BLOBS_COLLECTION$').count()).toBe(500);
  expect(loaded.getCollection('$BLOBS_COLLECTION$').by('name', 'run/img-7/out.bin')).toMatchObject({
    containerName: 'c1',
    properties: { etag: '0x7' },
  });
});
