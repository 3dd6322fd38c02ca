// The backend bundle that `npm start` runs with plain node: backend/src/main.ts and everything it imports in one ESM
// file, npm packages left as imports (resolved from node_modules at run time). No tsx loader process, no esbuild
// child and no transpiling at run time: less memory and a faster start than `tsx src/main.ts`. Built by
// scripts/setup.mjs when missing or stale; tests and the e2e harness keep running the sources through tsx.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashOf, readText } from './fs-stamps.mjs';

const thisFile = fileURLToPath(import.meta.url);

export const ENTRY = 'backend/src/main.ts';
export const BUNDLE = 'backend/dist/main.js';

/**
 * Modules find files next to their sources with `new URL('../../../kernels/…', import.meta.url)`. In one bundle
 * import.meta.url would be the bundle's own URL for every module; this gives each module its own source URL again,
 * written relative to the bundle so the checkout can move.
 */
export function importMetaUrlPlugin(outfile) {
  return {
    name: 'source-import-meta-url',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        const source = await fs.promises.readFile(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const rel = path.relative(path.dirname(outfile), args.path).split(path.sep).join('/');
        return {
          contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`),
          loader: 'ts',
        };
      });
    },
  };
}

/** The stamp's hash: the inputs' contents, this build script and the esbuild version. */
function inputsHash(root, inputs, esbuildVersion) {
  return hashOf(
    esbuildVersion,
    readText(thisFile) ?? '',
    ...inputs.map((f) => `${f}\0${readText(path.join(root, f)) ?? '\0missing'}`),
  );
}

/** The version of the esbuild buildBackend() imports (resolved from here, like its import). */
function esbuildVersion() {
  try {
    return (
      JSON.parse(readText(createRequire(import.meta.url).resolve('esbuild/package.json')) ?? '{}').version ?? 'none'
    );
  } catch {
    return 'none';
  }
}

/** Why the bundle must be (re)built, or null when it is up to date. Cheap: hashes the last build's inputs. */
export function backendBundleStaleReason(root, outfile = path.join(root, BUNDLE)) {
  if (!fs.existsSync(outfile)) return 'not built yet';
  let stamp;
  try {
    stamp = JSON.parse(readText(`${outfile}.stamp.json`) ?? '');
  } catch {
    return 'no build stamp';
  }
  if (!Array.isArray(stamp.inputs) || inputsHash(root, stamp.inputs, esbuildVersion()) !== stamp.hash)
    return 'sources changed';
  return null;
}

/** Bundle ENTRY into `outfile` (default BUNDLE) and write its stamp. */
export async function buildBackend(root, outfile = path.join(root, BUNDLE)) {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [path.join(root, ENTRY)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'silent',
    plugins: [importMetaUrlPlugin(outfile)],
  });
  const inputs = Object.keys(result.metafile.inputs).sort();
  const stamp = { hash: inputsHash(root, inputs, esbuild.version), inputs }; // to tell later whether it is stale
  fs.writeFileSync(`${outfile}.stamp.json`, `${JSON.stringify(stamp, null, 1)}\n`);
  return { inputs: inputs.length, bytes: fs.statSync(outfile).size };
}
