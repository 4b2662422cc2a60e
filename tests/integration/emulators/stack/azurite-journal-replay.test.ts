import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The Azurite journal's replay (packages/emulators/stack/azurite-journal.js; docs/emulators.md, "What
 * survives a kill") on real LokiJS databases shaped like Azurite's: replaying on a snapshot taken mid-way
 * (so part of the journal is already in it) ends in the live state, also when replayed twice, with working unique
 * and binary indexes and fresh ids above every journalled one; a torn last record is ignored.
 */
interface Doc {
  $loki?: number;
  name: string;
  containerName?: string;
  size?: number;
  meta?: object;
}
interface Collection {
  insert(doc: Doc): Doc;
  update(doc: Doc): void;
  remove(doc: Doc): void;
  findAndRemove(query: object): void;
  by(field: string, value: string): Doc | undefined;
  find(query: object): Doc[];
  get(id: number): Doc | null;
  data: Doc[];
  binaryIndices: object;
  ensureAllIndexes(force: boolean): void;
}
interface Db {
  addCollection(name: string, options?: object): Collection;
  getCollection(name: string): Collection;
  serialize(): string;
  loadJSON(text: string): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Loki = require(require.resolve('lokijs', { paths: [require.resolve('azurite/package.json')] })) as new (
  file: string,
) => Db;
interface JournalPort {
  replay(): { file: string }[];
  start(): boolean;
  commit(): Promise<void>;
  close(): Promise<void>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Journal } = require(join(__dirname, '../../../../packages/emulators/stack/azurite-journal.js')) as {
  Journal: new (db: Db) => JournalPort;
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-journal-replay-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function database(file: string) {
  const db = new Loki(file);
  db.addCollection('$CONTAINERS_COLLECTION$', { unique: ['name'] });
  db.addCollection('$BLOBS_COLLECTION$', { indices: ['containerName', 'name'] });
  return db;
}

function contents(db: Db) {
  return ['$CONTAINERS_COLLECTION$', '$BLOBS_COLLECTION$'].map((name) =>
    db.getCollection(name).data.map(({ meta: _meta, ...doc }) => doc),
  );
}

test('replay on a mid-way snapshot ends in the live state, idempotently, with indexes rebuilt', async () => {
  const file = join(dir, 'azurite.db');
  const live = database(file);
  const journal = new Journal(live);
  journal.replay();
  journal.start();
  const containers = live.getCollection('$CONTAINERS_COLLECTION$');
  const blobs = live.getCollection('$BLOBS_COLLECTION$');
  containers.insert({ name: 'keep' });
  const doomed = containers.insert({ name: 'doomed' });
  for (let i = 0; i < 20; i++)
    blobs.insert({ name: `b-${i}`, containerName: i % 2 ? 'keep' : 'doomed', size: i });
  await journal.commit();
  const snapshot = live.serialize(); // taken mid-way: the journal so far is already in it
  const b3 = blobs.find({ name: 'b-3' })[0]!;
  b3.size = 300;
  blobs.update(b3);
  blobs.findAndRemove({ containerName: 'doomed' });
  containers.remove(doomed);
  blobs.insert({ name: 'late', containerName: 'keep', size: 1 });
  const lastId = blobs.insert({ name: 'removed-last', containerName: 'keep' }).$loki!;
  blobs.remove(blobs.get(lastId)!);
  await journal.commit();
  await journal.close();
  const expected = contents(live);
  const reference = new Loki(file); // what LokiJS derives from the live documents
  reference.loadJSON(live.serialize());
  reference.getCollection('$BLOBS_COLLECTION$').ensureAllIndexes(true);
  const keepNames = ['late', ...Array.from({ length: 10 }, (_, i) => `b-${2 * i + 1}`)].sort();

  for (let round = 0; round < 2; round++) {
    if (round === 1) appendFileSync(`${file}.journal.1`, '{"name":"$BLOBS_COLLECTION$","operation":"I","ob');
    const restarted = new Loki(file);
    restarted.loadJSON(snapshot);
    new Journal(restarted).replay();
    if (round === 1) new Journal(restarted).replay();
    expect(contents(restarted)).toEqual(expected);
    const again = restarted.getCollection('$BLOBS_COLLECTION$');
    expect(again.binaryIndices).toEqual(reference.getCollection('$BLOBS_COLLECTION$').binaryIndices);
    expect(
      again
        .find({ containerName: 'keep' })
        .map((doc) => doc.name)
        .sort(),
    ).toEqual(keepNames);
    expect(again.find({ containerName: 'doomed' })).toEqual([]);
    expect(again.get(b3.$loki!)!.size).toBe(300);
    expect(restarted.getCollection('$CONTAINERS_COLLECTION$').by('name', 'keep')).toBeDefined();
    expect(restarted.getCollection('$CONTAINERS_COLLECTION$').by('name', 'doomed')).toBeUndefined();
    expect(again.insert({ name: 'new', containerName: 'keep' }).$loki).toBe(lastId + 1);
  }
});
