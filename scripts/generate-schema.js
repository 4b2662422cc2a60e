#!/usr/bin/env node
'use strict';
// Writes schema/pipeline.schema.json from the validator's own definition (src/pipeline/spec-shape.ts).
// `--check` only compares, and exits 1 when the committed file is stale. Runs the TypeScript sources
// directly (transpiled by the TypeScript compiler), so it needs no build.
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { execFileSync } = require('node:child_process');
require('./ts-register');

const root = join(__dirname, '..');
const target = join(root, 'schema/pipeline.schema.json');
const { pipelineJsonSchema } = require('../src/pipeline/json-schema.ts');
const schema = pipelineJsonSchema();

if (process.argv.includes('--check')) {
  let committed;
  try {
    committed = JSON.parse(readFileSync(target, 'utf8'));
  } catch (error) {
    console.error(`schema: cannot read ${target}: ${error.message}`);
    process.exit(1);
  }
  if (JSON.stringify(committed) !== JSON.stringify(schema)) {
    console.error('schema: schema/pipeline.schema.json is stale; run `npm run schema`');
    process.exit(1);
  }
  console.log('schema: schema/pipeline.schema.json is up to date');
} else {
  writeFileSync(target, `${JSON.stringify(schema, null, 2)}\n`);
  execFileSync(process.execPath, [join(root, 'node_modules/prettier/bin/prettier.cjs'), '--write', target], {
    stdio: 'ignore',
  });
  console.log(`schema: wrote ${target}`);
}
