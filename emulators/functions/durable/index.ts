import type { CreateDurableEngine } from '../contracts';

// Placeholder until the Durable engine lands (owned by the durable engine work).
export const createDurableEngine: CreateDurableEngine = () => {
  throw new Error('The embedded Durable engine is not available yet.');
};
