#!/usr/bin/env node
// Launcher. libuv sizes its thread pool (which runs scrypt and file I/O) on first use,
// and loading ES modules already uses it, so the size must be set here, in CommonJS,
// before the server's modules load: one thread per scrypt slot plus two for I/O.
'use strict';
const { availableParallelism } = require('node:os');

if (!process.env.UV_THREADPOOL_SIZE) {
  const slots = Number.parseInt(process.env.SCRYPT_CONCURRENCY ?? '', 10) || availableParallelism();
  process.env.UV_THREADPOOL_SIZE = String(Math.max(4, slots + 2));
}
import('../dist/main.js');
