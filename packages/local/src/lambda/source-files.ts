/**
 * What a function's handler is made of on disk: the local source files it imports (read by an
 * esbuild scan), which of them changed since a moment, and, when the scan fails, the files its
 * error names and the imports it could not find. The function host reads them to reload a
 * function on a change (`--watch`) or to say that its code changed (plain `npm start`); the
 * process of a `'separate'` function (`function-worker.ts`) reads them too, without the host.
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Plugin } from 'esbuild';

/**
 * The local source files `entry` imports, transitively: what a change to should reload it.
 * Packages from node_modules are left out; workspace packages (linked) are followed.
 *
 * @param entry - the function's handler file
 * @param root - the project root: files outside it are left out
 * @returns absolute paths, sorted, `entry` included
 *
 * @example
 * ```ts
 * import { sourceDependencies } from '@sluice/local';
 *
 * const files = await sourceDependencies('/repo/packages/payments/consumers/consumePaymentCaptured.ts', '/repo');
 * ```
 */
export async function sourceDependencies(entry: string, root: string): Promise<string[]> {
  const externalPackages: Plugin = {
    name: 'external-packages',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData?.resolving) return undefined;
        const resolved = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: { resolving: true } });
        if (resolved.errors.length > 0 || resolved.path.includes(`${path.sep}node_modules${path.sep}`) || !resolved.path.startsWith(root)) {
          return { path: args.path, external: true };
        }
        return resolved;
      });
    },
  };
  const { build } = await import('esbuild');
  const result = await build({ entryPoints: [entry], bundle: true, write: false, metafile: true, platform: 'node', format: 'esm', logLevel: 'silent', plugins: [externalPackages], absWorkingDir: root });
  return Object.keys(result.metafile.inputs)
    .map((file) => path.resolve(root, file))
    .filter((file) => !file.includes(`${path.sep}node_modules${path.sep}`))
    .sort();
}

/**
 * What tells a function without `watch` whether the code its instances loaded has changed: the
 * files `handlerFile` imports ({@link sourceDependencies}, read at the first ask and again after
 * each change found, as the change may import others; when they cannot be read, the handler and
 * the files the build error names) that were written after `since` (their mtime or ctime, in whole
 * milliseconds as `Date.now()` gives `since`: a file written in that millisecond is not counted), or
 * are gone (said once, not again while they stay gone). Never rejects.
 *
 * @param handlerFile - the function's handler (absolute)
 * @param root - the project root: files outside it are not read
 * @returns the check: the files changed since `since` (epoch ms), absolute; none when none did
 *
 * @example
 * ```ts
 * import { sourceChangesSince } from './source-files.ts';
 *
 * const changedSince = sourceChangesSince('/repo/packages/orders/consumers/consumeOrderPlaced.ts', '/repo');
 * const loadedAt = Date.now();
 * const changed = await changedSince(loadedAt); // [] until a file it imports is saved
 * ```
 */
export function sourceChangesSince(handlerFile: string, root: string): (since: number) => Promise<string[]> {
  let files: string[] | undefined;
  /** Files found gone: a change once, not at every check while they stay gone. */
  const gone = new Set<string>();
  return async (since) => {
    files ??= await sourceDependencies(handlerFile, root).catch((error: unknown) => [...new Set([handlerFile, ...filesNamedBy(error, root), ...importsNotFound(error, root)])].sort());
    const changed = (
      await Promise.all(
        files.map(async (file) => {
          try {
            const { mtimeMs, ctimeMs } = await stat(file);
            gone.delete(file);
            // `since` is whole milliseconds (Date.now()); a file's times have finer units: one
            // written in that millisecond, before the moment, is not a change.
            return Math.floor(mtimeMs) > since || Math.floor(ctimeMs) > since ? [file] : [];
          } catch {
            if (gone.has(file)) return [];
            gone.add(file);
            return [file];
          }
        }),
      )
    ).flat();
    // What imports what may have changed with it: read again at the next check.
    if (changed.length > 0) files = undefined;
    return changed;
  };
}

/**
 * The files an esbuild build error names (absolute, under `root`): where the syntax error or the
 * import that cannot be resolved is. None for another error.
 */
export function filesNamedBy(error: unknown, root: string): string[] {
  const messages = (error as { errors?: { location?: { file?: string } | null }[] } | undefined)?.errors ?? [];
  return messages.flatMap((m) => (m.location?.file ? [path.resolve(root, m.location.file)] : [])).filter((file) => insideRoot(file, root));
}

/**
 * The files the imports an esbuild build error could not resolve would be (absolute, under
 * `root`): `import … from '../src/lib/helper.ts'` in `consumers/a.ts` is `src/lib/helper.ts`.
 * Relative and absolute imports only; a package's (`lodash`, `#lib`) is left to Node.
 */
export function importsNotFound(error: unknown, root: string): string[] {
  const messages = (error as { errors?: { text?: string; location?: { file?: string } | null }[] } | undefined)?.errors ?? [];
  return messages
    .flatMap((m) => {
      const specifier = /^Could not resolve "(.+)"$/.exec(m.text ?? '')?.[1];
      if (!specifier || !m.location?.file) return [];
      if (path.isAbsolute(specifier)) return [specifier];
      if (!/^\.\.?(?:\/|$)/.test(specifier)) return [];
      return [path.resolve(root, path.dirname(m.location.file), specifier)];
    })
    .filter((file) => insideRoot(file, root));
}

/** Whether `file` is inside the project `root` (a sibling folder whose name starts the same, /work/main2, is not); `root` itself with `orRoot`. */
export function insideRoot(file: string, root: string, { orRoot = false } = {}): boolean {
  const relative = path.relative(root, file);
  return (relative === '' ? orRoot : !relative.startsWith('..')) && !path.isAbsolute(relative);
}

/**
 * Which import not found by a function's launch has appeared since it began: the first of
 * `candidates` one of whose names (`next.ts` for `./next.js`, each extension for a name without
 * one, the folder itself) exists now and was not among `presentAtLaunch` (those that existed as the
 * launch began). A file that was there already was seen by the launch: its reload would fail the
 * same way again. Compares what exists, not times: a file's ctime comes from the kernel's coarse
 * clock, and one written within a tick after the launch began was stamped before it (the function
 * then waited for its retry timer, 2 … 30 s, instead of reloading at once).
 *
 * @param candidates - the imports not found (absolute), by this launch's scan and the one before
 * @param presentAtLaunch - the names of them that existed when the launch began
 * @param exists - whether a file or folder exists now; `existsSync` by default
 * @returns the candidate that appeared, or undefined
 *
 * @example
 * ```ts
 * import { appearedSinceLaunch } from '@sluice/local';
 *
 * appearedSinceLaunch(['/app/src/next.js'], new Set(), (f) => f === '/app/src/next.ts'); // '/app/src/next.js'
 * appearedSinceLaunch(['/app/src/next.js'], new Set(['/app/src/next.ts']), () => true); // undefined: there at the launch
 * ```
 */
export function appearedSinceLaunch(candidates: readonly string[], presentAtLaunch: ReadonlySet<string>, exists: (file: string) => boolean = existsSync): string | undefined {
  return candidates.find((file) => resolutionsOf(file).some((f) => !presentAtLaunch.has(f) && exists(f)));
}

/** Extensions esbuild tries for an import named without one (or with one of its own, `./helper.v2`). */
const IMPORT_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs', '.json'];
/** The TypeScript files an import of a JavaScript name finds (`./next.js` is `next.ts`). */
const TYPESCRIPT_FOR: Record<string, string[]> = { '.js': ['.ts', '.tsx'], '.jsx': ['.ts', '.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'] };

/**
 * The files an import of `file` finds, `file` first: itself, the TypeScript file of a JavaScript
 * name, or, named without a known extension, each extension added (a folder of that name: `file`).
 */
export function resolutionsOf(file: string): string[] {
  const ext = path.extname(file);
  const swapped = TYPESCRIPT_FOR[ext];
  if (swapped) return [file, ...swapped.map((e) => file.slice(0, -ext.length) + e)];
  return IMPORT_EXTENSIONS.includes(ext) ? [file] : [file, ...IMPORT_EXTENSIONS.map((e) => file + e)];
}
