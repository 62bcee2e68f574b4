/**
 * `npm pack` of a framework package, done in a copy of the repository's packing parts (the root
 * manifest and tsconfigs, scripts/, that package's folder, node_modules linked), not in the
 * workspace. The package's prepack rewrites its package.json (exports to dist/) and rebuilds its
 * dist/ until postpack puts the manifest back: in the workspace, every test running meanwhile that
 * imported the package got its dist/ build, a second copy of its modules (a CliError that was no
 * CliError to the CLI kit), and a created project linked to the workspace could find dist/ half
 * written. Seen once in CI.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const root = path.resolve(import.meta.dirname, '../..');

export interface PackedCopy {
  /** The tarball's file name, in `destination`. */
  filename: string;
  /** What npm packed, as its `--json` report lists it. */
  files: { path: string }[];
  /** The copy's package.json before and after the pack: postpack puts the workspace manifest back. */
  manifestBefore: string;
  manifestAfter: string;
  /** Whether postpack left its saved manifest behind. */
  savedManifestLeft: boolean;
}

/** Packs `packages/<name>` (a framework package) into `destination`, from a copy; throws with npm's output if the pack fails. */
export function packInCopy(name: string, destination: string): PackedCopy {
  const work = mkdtempSync(path.join(tmpdir(), `sluice-pack-${name}-`));
  try {
    for (const file of ['package.json', 'tsconfig.json', 'tsconfig.sst.json']) if (existsSync(path.join(root, file))) cpSync(path.join(root, file), path.join(work, file));
    cpSync(path.join(root, 'scripts'), path.join(work, 'scripts'), { recursive: true });
    // Every package's manifest: the packed manifest names the framework's packages at their versions.
    for (const other of readdirSync(path.join(root, 'packages'))) {
      const manifest = path.join(root, 'packages', other, 'package.json');
      if (other !== name && existsSync(manifest)) cpSync(manifest, path.join(work, 'packages', other, 'package.json'));
    }
    const source = path.join(root, 'packages', name);
    cpSync(source, path.join(work, 'packages', name), { recursive: true, filter: (file) => !/^(dist|node_modules)(\/|$)/.test(path.relative(source, file)) });
    symlinkSync(path.join(root, 'node_modules'), path.join(work, 'node_modules'), 'dir');
    const packageDir = path.join(work, 'packages', name);
    const manifestBefore = readFileSync(path.join(packageDir, 'package.json'), 'utf8');
    const pack = spawnSync('npm', ['pack', packageDir, '--pack-destination', destination, '--json', '--foreground-scripts=false'], { cwd: work, encoding: 'utf8', timeout: 60_000 });
    if (pack.status !== 0) throw new Error(`npm pack of ${name} (in a copy) failed (exit ${pack.status}):\n${pack.stderr}\n${pack.stdout}`);
    const [packed] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    return {
      filename: packed!.filename,
      files: packed!.files,
      manifestBefore,
      manifestAfter: readFileSync(path.join(packageDir, 'package.json'), 'utf8'),
      savedManifestLeft: existsSync(path.join(packageDir, 'package.json.workspace')),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
