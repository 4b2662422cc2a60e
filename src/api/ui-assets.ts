/**
 * The status page's static files: `src/ui/` (copied next to the compiled code, `dist/src/ui/`, by
 * `scripts/copy-ui-assets.js`), served by the app itself with a strict Content-Security-Policy. The HTML shell
 * names each asset with a content hash (`ui.js?v=<hash>`), so assets can be cached for good and a new build is
 * picked up on the next page load. See docs/ui.md.
 */
import type { HttpResponseInit } from '@azure/functions';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from './http';

/** Beside this module's folder in both layouts: `src/api` -> `src/ui`, `dist/src/api` -> `dist/src/ui`. */
export const UI_DIR = join(__dirname, '..', 'ui');

/** Only same-origin scripts, styles and requests; no inline script or style, no framing, no plugins. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const UI_ASSETS = {
  'ui.js': 'text/javascript; charset=utf-8',
  'ui.css': 'text/css; charset=utf-8',
} as const;
export type UiAssetName = keyof typeof UI_ASSETS;

interface Loaded {
  readonly html: string;
  readonly assets: Readonly<Record<UiAssetName, { readonly text: string; readonly hash: string }>>;
}

let loaded: Loaded | undefined;

function load(): Loaded {
  if (loaded) return loaded;
  const read = (name: string) => readFileSync(join(UI_DIR, name), 'utf8');
  const assets = Object.fromEntries(
    Object.keys(UI_ASSETS).map((name) => {
      const text = read(name);
      return [name, { text, hash: createHash('sha256').update(text).digest('hex').slice(0, 12) }];
    }),
  ) as Loaded['assets'];
  const html = read('index.html').replace(/\{\{hash:([\w.]+)\}\}/g, (token, name: string) =>
    name in assets ? assets[name as UiAssetName].hash : token,
  );
  loaded = { html, assets };
  return loaded;
}

function headers(contentType: string, cacheControl: string): Record<string, string> {
  return {
    'content-type': contentType,
    'cache-control': cacheControl,
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
}

/** The HTML shell (the same for the runs list and a run: the script reads the path). Always revalidated. */
export function uiShell(): HttpResponseInit {
  return { status: 200, body: load().html, headers: headers('text/html; charset=utf-8', 'no-cache') };
}

/** One asset; `version` (the `v` query) equal to its hash makes it cacheable for a year. */
export function uiAsset(name: string, version: string | null): HttpResponseInit {
  if (!Object.hasOwn(UI_ASSETS, name)) {
    throw new ApiError(404, 'asset_not_found', `the status page has no asset "${name}"`, [
      { path: 'name', message: `expected one of ${Object.keys(UI_ASSETS).join(', ')}` },
    ]);
  }
  const asset = load().assets[name as UiAssetName];
  const cache = version === asset.hash ? 'public, max-age=31536000, immutable' : 'no-cache';
  return { status: 200, body: asset.text, headers: headers(UI_ASSETS[name as UiAssetName], cache) };
}
