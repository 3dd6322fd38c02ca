// Stamps and freshness checks for scripts/setup.mjs.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** sha256 over the given strings (e.g. a file's contents plus a Python version). */
export function hashOf(...parts) {
  const h = createHash('sha256');
  for (const p of parts) h.update(String(p)).update('\0');
  return h.digest('hex');
}

export function readText(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Newest modification time (ms) of the files under `paths` (files or directories, recursively); 0 when none. */
export function newestMtime(paths, skip = (name) => name === 'node_modules' || name.startsWith('.')) {
  let newest = 0;
  const visit = (p) => {
    let st;
    try {
      st = fs.statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(p)) if (!skip(name)) visit(path.join(p, name));
    } else newest = Math.max(newest, st.mtimeMs);
  };
  paths.forEach(visit);
  return newest;
}

/** A build output is stale when it is missing or older than its newest source. */
export function isStale(outputMtime, sourcesMtime) {
  return !outputMtime || sourcesMtime > outputMtime;
}
