#!/usr/bin/env node
// Launcher: `npm start` execs it directly (no shell or npm in between), so signals reach the server.
//
// 1. dist/ is the compiled server. When it is missing or older than a file under src/ (or a
//    tsconfig), and TypeScript is installed (a development checkout after `npm ci`), it is
//    rebuilt here, so `npm ci && npm start` works on a fresh clone. A deployment built once
//    elsewhere has no TypeScript (`npm ci --omit=dev`) and no .ts sources: it runs dist/ as is.
// 2. libuv sizes its thread pool (which runs scrypt and file I/O) on first use, and loading
//    ES modules already uses it, so the size must be set here, in CommonJS, before the
//    server's modules load: one thread per scrypt slot plus two for I/O.
'use strict';
const { execFileSync } = require('node:child_process');
const { readdirSync, statSync } = require('node:fs');
const { availableParallelism } = require('node:os');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const ENTRY = join(ROOT, 'dist', 'main.js');

function mtimeMs(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The newest TypeScript source the build compiles (tests excluded), with its time. */
function newestSource() {
  let newest = { path: '', mtimeMs: 0 };
  const consider = (path) => {
    const time = mtimeMs(path);
    if (time !== undefined && time > newest.mtimeMs) newest = { path, mtimeMs: time };
  };
  consider(join(ROOT, 'tsconfig.json'));
  consider(join(ROOT, 'tsconfig.build.json'));
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) consider(path);
    }
  };
  walk(join(ROOT, 'src'));
  return newest;
}

function typescriptCompiler() {
  try {
    return require.resolve('typescript/bin/tsc', { paths: [ROOT] });
  } catch {
    return undefined;
  }
}

function ensureBuilt() {
  const built = mtimeMs(ENTRY);
  const source = newestSource();
  const reason =
    built === undefined
      ? 'dist/ is missing'
      : source.mtimeMs > built
        ? `${source.path.slice(ROOT.length + 1)} is newer than dist/`
        : '';
  if (!reason) return;
  const tsc = typescriptCompiler();
  if (!tsc) {
    if (built === undefined) {
      process.stderr.write(
        'accounts-server: dist/ is missing and TypeScript is not installed (npm ci --omit=dev).\n' +
          'Build on a machine with dev dependencies (npm ci && npm run build) and ship dist/ (README: "Running in production").\n',
      );
      process.exit(1);
    }
    process.stderr.write(`accounts-server: warning: ${reason}, but TypeScript is not installed; running dist/ as built.\n`);
    return;
  }
  process.stderr.write(`accounts-server: ${reason}; building (tsc -p tsconfig.build.json)\n`);
  try {
    execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: ['ignore', 2, 2] });
  } catch {
    process.stderr.write('accounts-server: the build failed (errors above)\n');
    process.exit(1);
  }
}

ensureBuilt();

if (!process.env.UV_THREADPOOL_SIZE) {
  const slots = Number.parseInt(process.env.SCRYPT_CONCURRENCY ?? '', 10) || availableParallelism();
  process.env.UV_THREADPOOL_SIZE = String(Math.max(4, slots + 2));
}
import('../dist/main.js');
