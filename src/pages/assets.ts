// The pages' script and stylesheet: bundled by esbuild from src/pages/client/ into
// dist/public/<name>-<content hash>.<ext>, with dist/public/manifest.json naming the current
// files. `npm run build` builds them; so does the app at start when they are missing or older
// than their sources and esbuild (a dev dependency) is installed, which covers `npm start` on a
// fresh clone and the tests. A deployment (`npm ci --omit=dev`) ships dist/public as built.

import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// src/pages/assets.ts and dist/pages/assets.js both sit two folders below the package root.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLIENT_DIR = join(ROOT, 'src', 'pages', 'client');
export const ASSETS_DIR = join(ROOT, 'dist', 'public');
const MANIFEST = 'manifest.json';

/** Logical name → hashed file name. */
export interface AssetManifest {
  'main.js': string;
  'pages.css': string;
}

export interface StaticFile {
  body: Buffer;
  contentType: string;
}

export interface PageAssets {
  manifest: AssetManifest;
  /** Hashed file name → content, everything the manifest names. */
  files: Map<string, StaticFile>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

async function mtimeMs(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Newest source under the client folder (undefined when there are no sources: a deployment). */
async function newestSourceMs(dir = CLIENT_DIR): Promise<number | undefined> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return undefined;
  }
  let newest: number | undefined;
  for (const entry of entries) {
    const path = join(dir, entry.name);
    const time = entry.isDirectory() ? await newestSourceMs(path) : await mtimeMs(path);
    if (time !== undefined && (newest === undefined || time > newest)) newest = time;
  }
  return newest;
}

/** Why the bundle must be rebuilt, or '' when it is current (or there are no sources to build from). */
export async function staleReason(): Promise<string> {
  const built = await mtimeMs(join(ASSETS_DIR, MANIFEST));
  const source = await newestSourceMs();
  if (source === undefined) return built === undefined ? 'dist/public is missing' : '';
  if (built === undefined) return 'dist/public is missing';
  return source > built ? 'src/pages/client is newer than dist/public' : '';
}

/**
 * Bundles the client into ASSETS_DIR. Safe to run from several processes at once: files are
 * named by their content and written through a rename, and the manifest comes last.
 */
export async function buildPageAssets(): Promise<AssetManifest> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: { main: join(CLIENT_DIR, 'main.ts'), pages: join(CLIENT_DIR, 'pages.css') },
    bundle: true,
    format: 'esm',
    // Firefox ESR 115 and the browsers of the same years.
    target: ['es2022', 'firefox115', 'chrome109', 'safari16'],
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    entryNames: '[name]-[hash]',
    outdir: ASSETS_DIR,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  await mkdir(ASSETS_DIR, { recursive: true });
  const manifest: Partial<Record<string, string>> = {};
  for (const file of result.outputFiles) {
    const name = basename(file.path);
    const logical = `${name.slice(0, name.lastIndexOf('-'))}${name.slice(name.lastIndexOf('.'))}`;
    manifest[logical] = name;
    await writeAtomically(join(ASSETS_DIR, name), file.contents);
  }
  if (!manifest['main.js'] || !manifest['pages.css']) throw new Error('page assets: esbuild did not produce main.js and pages.css');
  await writeAtomically(join(ASSETS_DIR, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  await pruneOldFiles(new Set([MANIFEST, ...Object.values(manifest).filter((name) => name !== undefined)]));
  return manifest as unknown as AssetManifest;
}

/** Earlier builds' files an hour after their last write (a process starting right now may still read them). */
async function pruneOldFiles(current: Set<string>): Promise<void> {
  const cutoff = Date.now() - 60 * 60 * 1000;
  for (const name of await readdir(ASSETS_DIR)) {
    if (current.has(name)) continue;
    const path = join(ASSETS_DIR, name);
    const time = await mtimeMs(path);
    if (time !== undefined && time < cutoff) await rm(path, { force: true });
  }
}

async function writeAtomically(path: string, contents: Uint8Array | string): Promise<void> {
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temporary, contents);
  await rename(temporary, path);
}

async function esbuildInstalled(): Promise<boolean> {
  try {
    await import('esbuild');
    return true;
  } catch {
    return false;
  }
}

/**
 * The current assets, built first when stale and esbuild is at hand. Throws when there are none
 * and they cannot be built (a deployment that did not ship dist/public).
 */
export async function loadPageAssets(options: { onBuild?: (reason: string) => void } = {}): Promise<PageAssets> {
  const reason = await staleReason();
  if (reason && (await esbuildInstalled())) {
    options.onBuild?.(reason);
    await buildPageAssets();
  }
  let manifest: AssetManifest;
  try {
    manifest = JSON.parse(await readFile(join(ASSETS_DIR, MANIFEST), 'utf8')) as AssetManifest;
  } catch {
    throw new Error(
      `web pages: ${join(ASSETS_DIR, MANIFEST)} is missing and esbuild is not installed; build with "npm run build" and ship dist/public`,
    );
  }
  const files = new Map<string, StaticFile>();
  for (const name of Object.values(manifest)) {
    const extension = name.slice(name.lastIndexOf('.'));
    files.set(name, {
      body: await readFile(join(ASSETS_DIR, name)),
      contentType: CONTENT_TYPES[extension] ?? 'application/octet-stream',
    });
  }
  return { manifest, files };
}
