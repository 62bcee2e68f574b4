#!/usr/bin/env node
/**
 * The `prepack` and `postpack` of each framework package (`npm pack` in packages/<name>, or
 * `npm pack -w packages/<name>` here): what an installed copy needs instead of this workspace's
 * sources.
 *
 * In the workspace a package's `exports` point at its TypeScript sources (`./src/x.ts`: tsx,
 * vitest, esbuild, SST and tsc all read them as they are, with no build step). Node does not run
 * TypeScript under node_modules, so the packed package carries `dist/` (scripts/build-packages.mjs)
 * and a manifest that points at it:
 * - `prepack`: builds the package's dist/ (skipped when SLUICE_PACKAGES_BUILT=1: the caller ran
 *   `npm run build:packages` once for all), keeps package.json as package.json.workspace and
 *   writes the packed manifest: each export `./src/x.ts` as `{ types: ./dist/x.d.ts, default:
 *   ./dist/x.js }`, the package's bins (`./dist/bin/<bin>.js`), the framework dependencies at
 *   their exact versions, no scripts;
 * - `postpack`: puts package.json.workspace back (also done by `restore`, after a pack that
 *   failed in between).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildPackages, PACKAGES, SAVED_MANIFEST } from './build-packages.mjs';

const root = path.resolve(import.meta.dirname, '..');
const SAVED = SAVED_MANIFEST;

/** `./src/x.ts` (or a `*` pattern) as the compiled file with `extension`. */
function compiled(target, extension) {
  if (!target.startsWith('./src/') || !target.endsWith('.ts')) throw new Error(`pack-manifest: export target ${target} is not a ./src/*.ts source`);
  return `./dist/${target.slice('./src/'.length, -'.ts'.length)}${extension}`;
}

/**
 * The manifest an installed copy gets, from the workspace's `manifest` of package `name`.
 *
 * @param {Record<string, any>} manifest the workspace package.json
 * @param {string} name the folder under packages/
 * @returns {Record<string, any>} the packed package.json
 */
export function packedManifest(manifest, name) {
  const versions = Object.fromEntries(
    Object.keys(PACKAGES).map((p) => {
      const m = JSON.parse(readFileSync(path.join(root, 'packages', p, 'package.json'), 'utf8'));
      return [m.name, m.version];
    }),
  );
  const exports = Object.fromEntries(
    Object.entries(manifest.exports ?? {}).map(([key, value]) => {
      const source = typeof value === 'string' ? value : value.default;
      return [key, { types: compiled(source, '.d.ts'), default: compiled(source, '.js') }];
    }),
  );
  const bins = Object.keys(PACKAGES[name]);
  const dependencies = Object.fromEntries(Object.entries(manifest.dependencies ?? {}).map(([dep, spec]) => [dep, versions[dep] ?? spec]));
  const { scripts: _scripts, ...rest } = manifest;
  return {
    ...rest,
    exports,
    ...(bins.length ? { bin: Object.fromEntries(bins.map((bin) => [bin, `./dist/bin/${bin}.js`])) } : {}),
    dependencies,
  };
}

function nameOf(dir) {
  const name = path.basename(dir);
  if (path.dirname(dir) !== path.join(root, 'packages') || !(name in PACKAGES)) {
    throw new Error(`pack-manifest: ${dir} is not a framework package folder (packages/<${Object.keys(PACKAGES).join('|')}>)`);
  }
  return name;
}

function restore(dir) {
  if (existsSync(path.join(dir, SAVED))) renameSync(path.join(dir, SAVED), path.join(dir, 'package.json'));
}

if (import.meta.main || process.argv[1] === import.meta.filename) {
  const [step] = process.argv.slice(2);
  const dir = process.cwd();
  try {
    const name = nameOf(dir);
    if (step === 'prepack') {
      restore(dir);
      // npm does not create --pack-destination: without this, a first `npm pack … --pack-destination
      // ../tarballs` failed with ENOENT after this step, and postpack, which puts package.json back,
      // never ran (the packed manifest has no scripts: the next pack could not repair it either).
      // The destination is relative to where npm was run (INIT_CWD).
      const destination = process.env.npm_config_pack_destination;
      if (destination) mkdirSync(path.resolve(process.env.INIT_CWD ?? process.cwd(), destination), { recursive: true });
      if (process.env.SLUICE_PACKAGES_BUILT !== '1') buildPackages([name]);
      else if (!existsSync(path.join(dir, 'dist'))) throw new Error(`pack-manifest: SLUICE_PACKAGES_BUILT=1 but packages/${name}/dist is missing: run npm run build:packages`);
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      writeFileSync(path.join(dir, SAVED), JSON.stringify(manifest, null, 2) + '\n');
      writeFileSync(path.join(dir, 'package.json'), JSON.stringify(packedManifest(manifest, name), null, 2) + '\n');
    } else if (step === 'postpack' || step === 'restore') {
      restore(dir);
    } else {
      throw new Error(`pack-manifest: prepack, postpack or restore, not ${step}`);
    }
  } catch (error) {
    restore(dir);
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
