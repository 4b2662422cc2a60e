import type { Azurite } from '../../packages/emulators/stack/azurite';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __flotillaAzurite?: Azurite }).__flotillaAzurite?.stop();
}
