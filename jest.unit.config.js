/**
 * `npm run test:unit`: the unit tests and the fast tier (tests/fast, on in-memory ports and a skipping
 * clock). Nothing here needs Azurite, the emulators or a child process of the stack, so there is no global
 * setup; `npm test` (jest.config.js) runs these and every other tier.
 */
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/tests/unit', '<rootDir>/tests/fast'],
  globalSetup: undefined,
  globalTeardown: undefined,
  // Nothing here shares a server, so both cores help (the ESLint and CLI tests spawn processes).
  maxWorkers: 2,
};
