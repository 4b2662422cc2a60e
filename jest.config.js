/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  // Transpile only (isolatedModules): type-checking is `npm run typecheck`'s job.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // The embedded Functions host's shim (Jest's registry bypasses the require proxy of plain Node).
  moduleNameMapper: { '^@azure/functions-core$': '<rootDir>/packages/emulators/functions/functions-core.ts' },
  globalSetup: '<rootDir>/tests/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
  testTimeout: 60000,
  // Two cores: one worker keeps Azurite, emulators and the host responsive under load.
  maxWorkers: process.env.CI ? 2 : '50%',
};
