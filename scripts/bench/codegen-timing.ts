/**
 * Section 5 — codegen wall time: `npm run codegen` and `npm run codegen:check`, as a user types
 * them, in the working tree; `generated/` is restored byte for byte afterwards (and a copy would
 * not do: with node_modules linked from elsewhere, esbuild writes the linked path into the
 * bundle's module comments, so the output would differ for a reason unrelated to the contract).
 * `codegen:check` also runs with the caches off (SLUICE_PARSE_CACHE=0), as after a contract
 * change. The floor is `npm exec` of Node evaluating nothing: what any npm script pays before doing
 * anything (the scripts run the TypeScript sources on Node's own type stripping; until 2026-12-06
 * they ran them through tsx, and the floor was `npm exec tsx -e ""`). Commands alternate; medians are reported. The run also checks that codegen reproduces
 * the committed `generated/` byte for byte.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchRow, formatNumber, infoRow, verdictOf } from './bench-table.ts';
import { alternate, median } from './statistics.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const GENERATED = path.join(REPO, 'generated');
const COMMANDS = {
  floor: ['exec', '--no', '--', 'node', '-e', '""'],
  codegen: ['run', '--silent', 'codegen'],
  check: ['run', '--silent', 'codegen:check'],
  // The same, the AsyncAPI parser and the type generator running every time (SLUICE_PARSE_CACHE=0): a changed contract.
  uncached: ['run', '--silent', 'codegen:check'],
} as const;
type Command = keyof typeof COMMANDS;
const ENV: Partial<Record<Command, NodeJS.ProcessEnv>> = { uncached: { SLUICE_PARSE_CACHE: '0' } };

/** Every file under `dir` (node_modules excluded), by relative path. */
function snapshot(dir: string): Map<string, string> {
  return new Map(readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && !e.parentPath.includes('node_modules')).map((e) => {
    const file = path.join(e.parentPath, e.name);
    return [path.relative(dir, file), readFileSync(file, 'utf8')];
  }));
}

function npm(args: readonly string[], env: NodeJS.ProcessEnv = {}): number {
  const start = performance.now();
  const result = spawnSync('npm', args, { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  const ms = performance.now() - start;
  if (result.status !== 0) throw new Error(`section 5: npm ${args.join(' ')} failed (${result.status}): ${result.stderr?.toString().slice(0, 500)}`);
  return ms;
}

function restore(files: Map<string, string>): void {
  rmSync(GENERATED, { recursive: true, force: true });
  for (const [file, content] of files) {
    mkdirSync(path.dirname(path.join(GENERATED, file)), { recursive: true });
    writeFileSync(path.join(GENERATED, file), content);
  }
}

/** Runs section 5 and returns its rows. */
export async function benchCodegen(options: { quick: boolean }): Promise<BenchRow[]> {
  const rounds = options.quick ? 2 : 3;
  const committed = snapshot(GENERATED);
  let regenerated: Map<string, string>;
  let samples: Map<Command, number[]>;
  try {
    samples = await alternate(Object.keys(COMMANDS) as Command[], rounds, (command) => npm(COMMANDS[command], ENV[command]));
    regenerated = snapshot(GENERATED);
  } finally {
    restore(committed);
  }
  const differing = [...committed.keys()].filter((f) => regenerated.get(f) !== committed.get(f));
  const extra = [...regenerated.keys()].filter((f) => !committed.has(f));
  const floor = median(samples.get('floor')!);
  const ms = (n: number) => `${formatNumber(n, 0)} ms`;
  const row = (command: 'codegen' | 'check' | 'uncached', label: string): BenchRow =>
    infoRow(5, label, ms(median(samples.get(command)!)), {
      baseline: ms(floor),
      ratio: `+${formatNumber(median(samples.get(command)!) - floor, 0)} ms over the floor`,
      note: `median of ${rounds}, alternated with the floor (npm exec node -e "")`,
      raw: { ms: samples.get(command), floorMs: samples.get('floor') },
    });
  return [
    row('codegen', 'npm run codegen (wall)'),
    row('check', 'npm run codegen:check (wall)'),
    row('uncached', 'npm run codegen:check, caches off (wall; SLUICE_PARSE_CACHE=0: the parser and the type generator run, as after a contract change)'),
    {
      section: 5,
      measurement: 'codegen reproduces generated/ byte for byte',
      result: differing.length + extra.length === 0 ? `${committed.size} files identical` : `differs: ${[...differing, ...extra].join(', ')}`,
      baseline: '',
      ratio: '',
      target: 'deterministic',
      verdict: verdictOf(differing.length + extra.length === 0),
      note: '',
    },
  ];
}
