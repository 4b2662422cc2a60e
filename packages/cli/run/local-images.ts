/**
 * Before `flotilla run` boots the embedded stack in its default (`auto`) mode: when a container engine answers
 * and the stager or a step image of the pipeline is missing from it, builds them with `scripts/images/build.js`
 * (present in a clone of the repository; a few seconds), so the steps run as real containers
 * (docs/containers.md, 'Running your images locally').
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  engineSettings,
  type EngineName,
  globalArgs,
  imageExists,
  localEngineChoice,
  runEngine,
} from '../../emulators/common/engine';

function answers(engine: EngineName): boolean {
  try {
    const args = engine === 'docker' ? ['version', '--format', '{{.Server.Version}}'] : ['--version'];
    return runEngine(engine, args, { timeoutMs: 30_000 }).code === 0;
  } catch {
    return false;
  }
}

/** Builds the missing local images when an engine is there and the build script is; never throws for that. */
export function ensureLocalImages(
  repoRoot: string,
  images: readonly string[],
  log: (line: string) => void,
): void {
  const choice = localEngineChoice();
  if (choice === 'process') return;
  const engine = (choice === 'auto' ? (['docker', 'podman'] as const) : [choice]).find(answers);
  const script = join(repoRoot, 'scripts/images/build.js');
  if (!engine || !existsSync(script)) return;
  const global = globalArgs(engineSettings({ ...process.env, FLOTILLA_CONTAINER_ENGINE: engine }));
  const missing = images.filter((image) => !imageExists(engine, global, image));
  if (!missing.length) return;
  log(`building the local images with ${engine} (missing: ${missing.join(', ')}): scripts/images/build.js`);
  const build = spawnSync(process.execPath, [script, '--engine', engine], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (build.status !== 0)
    log(
      `scripts/images/build.js failed (${build.status ?? build.signal}): ${build.stderr.trim().split('\n').pop() ?? ''}`,
    );
}
