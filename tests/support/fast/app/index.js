// The flotilla Functions app, loaded from its TypeScript sources (Jest transforms them), for the fast tier:
// the same registrations as dist/src/index.js, with the ports replaced through setAppDeps.
require('../../../../src/index');
