/**
 * Event names travel in the raise-event URL's path, which the durable client builds without encoding
 * (src/orchestrators/contracts.ts). A name with `/`, `#` or `?` would reach the engine renamed, and the
 * orchestration waiting for it would never wake: every name must come through such a URL unchanged.
 */
import { events } from '../../../src/orchestrators/contracts';
import { imageKey as imageKeyOf } from '../../../src/runs/image-key';

const path = (name: string) =>
  new URL(`instances/r-1:lane:0/raiseEvent/${name}`, 'http://127.0.0.1:7071/runtime/webhooks/durabletask/')
    .pathname;

it.each([
  ['step-completed', events.stepCompleted],
  ['batch-step', events.batchStep],
])('%s names survive the raise-event URL unchanged and name image, step and attempt', (_, make) => {
  const imageKey = imageKeyOf('scenes/2024/Ünïcode name #3?.tif');
  const name = make(imageKey, 'detect-buildings', 12);
  expect(path(name)).toBe(`/runtime/webhooks/durabletask/instances/r-1:lane:0/raiseEvent/${name}`);
  expect(name).toMatch(/^[a-z-]+:[a-z0-9-]+:detect-buildings:12$/);
  expect(make(imageKey, 'detect-buildings', 1)).not.toBe(name);
  expect(make(imageKeyOf('other.tif'), 'detect-buildings', 12)).not.toBe(name);
});
