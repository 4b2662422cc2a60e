/**
 * The entity half of the Durable HTTP API (docs/durable-engine.md, 'Entities'): `POST entities/{name}/{key}?op=`
 * (signal, what `DurableClient.signalEntity` sends), `GET entities/{name}/{key}` (the state, what
 * `readEntityState` reads; 404 when the entity does not exist) and `GET entities[/{name}]` (a list).
 */
import type { DurableEngine } from './engine';
import { entityFunction, schedulerId } from './entities';

export function entityRoute(
  engine: DurableEngine,
  method: string,
  seg: readonly string[],
  query: URLSearchParams,
  body: Buffer,
  send: (status: number, payload: unknown) => void,
  fail: (status: number, message: string) => Error,
): void {
  const [, name, key] = seg;
  if (seg.length > 3) throw fail(404, 'Entity routes are entities/{name} and entities/{name}/{key}.');
  if (key === undefined) {
    if (method !== 'GET') throw fail(405, 'Use GET on entities/ or entities/{name}.');
    const list = engine.entities.list(name).map((v) => ({
      entityId: v.entityId,
      lastOperationTime: v.lastOperationTime,
      ...(query.get('fetchState') === 'false' ? {} : { state: v.state }),
    }));
    send(200, list);
    return;
  }
  const id = schedulerId({ name: name!, key });
  if (method === 'GET') {
    const view = engine.entities.get(id);
    if (!view?.exists) throw fail(404, `Entity '${id}' does not exist (it has no state).`);
    send(200, view.state);
    return;
  }
  if (method !== 'POST') throw fail(405, 'Use POST to signal an entity, GET to read its state.');
  const op = query.get('op');
  if (!op)
    throw fail(400, 'Signalling an entity needs an operation name: entities/{name}/{key}?op=<operation>.');
  if (!entityFunction(engine.options.invoker, name!))
    throw fail(404, `No entity function named '${name}' is registered.`);
  const text = body.toString('utf8');
  let input: string | undefined;
  if (text.trim() !== '') {
    try {
      input = JSON.stringify(JSON.parse(text));
    } catch {
      throw fail(400, 'The operation input must be JSON; the body is not valid JSON.');
    }
  }
  engine.entities.send({
    target: id,
    kind: 'op',
    id: `client:${id}:${engine.now()}:${Math.random().toString(36).slice(2)}`,
    op,
    signal: true,
    ...(input !== undefined ? { input } : {}),
  });
  send(202, undefined);
}
