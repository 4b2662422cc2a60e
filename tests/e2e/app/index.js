// The flotilla Functions app, loaded from its TypeScript sources (Jest transforms them), so e2e tests run the
// same registrations as dist/src/index.js without a build step.
require('../../../src/index');
