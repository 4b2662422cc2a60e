// @ts-check
/**
 * The layers of the repository, checked by `npm run layers` (dependency-cruiser) in CI. Each rule says
 * what it keeps apart and why; tests/unit/layers.test.ts proves that each one fires on a deliberately bad
 * import. docs/architecture.md ("Layers") explains the layout.
 */
const NODE_BUILTIN = `^(node:)?(${require('node:module')
  .builtinModules.filter((m) => !m.startsWith('_'))
  .join('|')})$`;
const AZURE_SDK = '^node_modules/@azure/(?!functions(/|$)|functions-core(/|$))';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'orchestrators-import-pure-code-only',
      severity: 'error',
      comment:
        'Orchestrators are replayed: they import contracts (types from anywhere in the app) and pure domain code ' +
        '(src/orchestrators, src/runs, src/pipeline, src/admission/policy) plus durable-functions, nothing else.',
      from: { path: '^src/orchestrators/' },
      to: {
        dependencyTypesNot: ['type-only', 'core'],
        pathNot: [
          '^src/orchestrators/',
          '^src/runs/',
          '^src/pipeline/',
          '^src/admission/policy\\.ts$',
          '^node_modules/durable-functions/',
        ],
      },
    },
    {
      name: 'orchestrators-reach-no-io-or-randomness',
      severity: 'error',
      comment:
        'Nothing an orchestrator imports, however deep, may import a Node built-in (clocks, randomness, ' +
        'crypto, I/O): a replay would see another value. Type-only imports are erased and do not count.',
      from: { path: '^src/orchestrators/' },
      to: { reachable: true, path: NODE_BUILTIN },
    },
    {
      name: 'only-adapters-import-azure-sdks',
      severity: 'error',
      comment:
        "Azure SDK clients are the adapters' business (compute, storage, secrets, the shared adapter core) and " +
        "the composition root's, which builds them; triggers, activities and the domain talk to ports.",
      from: {
        path: '^src/',
        pathNot: ['^src/(compute|storage|secrets|adapters)/', '^src/composition\\.ts$'],
      },
      to: { path: AZURE_SDK, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'app-never-imports-the-stand-ins-or-the-cli',
      severity: 'error',
      comment: 'The deployed app holds no emulator and no CLI code (npm run package checks the package too).',
      from: { path: '^src/' },
      to: {
        path: ['^packages/', '^node_modules/@flotilla/', '^node_modules/(azurite|selfsigned|commander)/'],
      },
    },
    {
      name: 'emulators-never-import-the-app',
      severity: 'error',
      comment: 'The stand-ins behave like Azure: they know the protocols, never the app that talks to them.',
      from: { path: '^packages/emulators/' },
      to: { path: ['^src/', '^packages/cli/'] },
    },
    {
      name: 'stager-is-dependency-free',
      severity: 'error',
      comment: 'The stager image ships only src/stager: Node built-ins and its own files.',
      from: { path: '^src/stager/' },
      to: { pathNot: ['^src/stager/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles make load order matter; none today, none tomorrow.',
      from: { path: '^(src|packages)/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|coverage|\\.deploy)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
