/**
 * The watch of a running stack's generated topology manifest (`generated/topology.json`), as
 * `npm start` and `npm run subscriber` keep it: one line when `npm run codegen` changes the
 * topology (the resources are made when the stack starts: a restart applies it), one when the
 * manifest stays unreadable (missing, not valid JSON) and one when it can be read again.
 */
import { existsSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Topology } from '@sluice/runtime/contract';

/**
 * What differs between the topology the stack runs and the one generated now, by name: its topics,
 * queues, subscriptions and operations that are new, changed or gone (`new: AuditQueue,
 * AuditDLQ`); undefined when none does (a message's schema alone changes no resource).
 */
function topologyChange(running: Topology, now: Topology): string | undefined {
  const added: string[] = [];
  const changed: string[] = [];
  const gone: string[] = [];
  const byName = (list: readonly { name: string }[]) => Object.fromEntries(list.map((item) => [item.name, item]));
  const groups: [Record<string, unknown>, Record<string, unknown>][] = [
    [running.topics, now.topics],
    [running.queues, now.queues],
    [byName(running.subscriptions), byName(now.subscriptions)],
    [running.operations, now.operations],
  ];
  for (const [before, after] of groups) {
    for (const name of Object.keys(after)) {
      if (!(name in before)) added.push(name);
      else if (JSON.stringify(before[name]) !== JSON.stringify(after[name])) changed.push(name);
    }
    gone.push(...Object.keys(before).filter((name) => !(name in after)));
  }
  const parts = [added.length ? `new: ${added.join(', ')}` : '', changed.length ? `changed: ${changed.join(', ')}` : '', gone.length ? `gone: ${gone.join(', ')}` : ''].filter(Boolean);
  return parts.length ? parts.join('; ') : undefined;
}

/** Why the manifest could not be read: `kind` tells one state from another, `detail` is the error's text. */
export interface ManifestProblem {
  /** `missing`: no file; `invalid`: not JSON (codegen mid-write, a hand edit); `unreadable`: the read itself failed (permissions, a folder). */
  kind: 'missing' | 'invalid' | 'unreadable';
  /** The error's text, as the line shows it. */
  detail: string;
}

/** What the topology watch remembers of the manifest's reads: what fails since when, and what it said. */
export interface ManifestReadState {
  /** The kind of problem of the last read; absent while the manifest reads. */
  kind?: ManifestProblem['kind'];
  /** When the reads began to fail for `kind` (ms). */
  since?: number;
  /** The kind of problem last said; absent when none was said, or the manifest read since. */
  said?: ManifestProblem['kind'];
}

/**
 * The topology watch's decision after one read of the manifest: codegen writes it in several
 * steps, so a problem is said only once reads have failed for it for `graceMs` (until then, read
 * again in `recheckInMs`), then once for each change of problem (missing, not valid JSON, …), not
 * at every read; and, after a problem was said, one line when it reads again.
 *
 * @param state - what the previous reads left ({@link ManifestReadState}); `{}` at first
 * @param problem - why this read failed; undefined when it read
 * @param now - the time of this read (ms)
 * @param graceMs - how long reads may fail before it is said
 * @param file - the manifest as the line names it (`generated/topology.json`)
 * @returns the state to keep, the line to print (if any) and when to read again (if it must)
 *
 * @example
 * ```ts
 * import { manifestReadStep } from '@sluice/local';
 *
 * const invalid = { kind: 'invalid', detail: 'Unexpected end of JSON input' } as const;
 * const first = manifestReadStep({}, invalid, 0, 1500, 'generated/topology.json');
 * first.recheckInMs; // 1500: nothing said yet, codegen may be writing it
 * const later = manifestReadStep(first.state, invalid, 1500, 1500, 'generated/topology.json');
 * later.line; // 'generated/topology.json is not valid JSON (Unexpected end of JSON input): run npm run codegen to write it again (…)'
 * ```
 */
export function manifestReadStep(
  state: ManifestReadState,
  problem: ManifestProblem | undefined,
  now: number,
  graceMs: number,
  file: string,
): { state: ManifestReadState; line?: string; recheckInMs?: number } {
  if (!problem) return { state: {}, ...(state.said ? { line: `${file} can be read again: topology changes are reported again` } : {}) };
  const since = state.kind === problem.kind && state.since !== undefined ? state.since : now;
  const kept = { kind: problem.kind, since, ...(state.said ? { said: state.said } : {}) };
  if (state.said === problem.kind) return { state: kept };
  const waited = now - since;
  if (waited < graceMs) return { state: kept, recheckInMs: graceMs - waited };
  return { state: { ...kept, said: problem.kind }, line: unreadableLine(file, problem) };
}

/** The line for a manifest that stays unreadable: the file, why, and what writes it again. */
function unreadableLine(file: string, problem: ManifestProblem): string {
  const what = problem.kind === 'missing' ? 'is missing' : problem.kind === 'invalid' ? `is not valid JSON (${problem.detail})` : `cannot be read (${problem.detail})`;
  return `${file} ${what}: run npm run codegen to write it again (topology changes are not reported until it can be read)`;
}

/** The options of {@link watchTopology}. */
export interface TopologyWatchOptions {
  /** The folder of the manifest (`generated/`): watched, since codegen may replace the file. */
  generated: string;
  /** The topology the stack started with. */
  running: Topology;
  /** Reads the manifest now (`readTopology`); throws when it is missing or not valid JSON. */
  readNow: () => Topology;
  /** Each line to print. */
  report: (line: string) => void;
  /** What applies a topology change, in its line: `restart npm start to apply it`. */
  apply: string;
  /** Told after each read of a changed manifest (the function host then holds a consumer out of the contract). */
  read?: () => void;
  /** How long after a change the manifest is read (codegen writes its files one after another). @default 300 */
  settleMs?: number;
  /** How long the manifest may stay unreadable before that is said ({@link manifestReadStep}). @default 1500 */
  graceMs?: number;
}

/** How often a deleted manifest folder is looked for, until it is back. */
const FOLDER_POLL_MS = 1000;

/**
 * Watches the generated topology manifest (`generated/topology.json`) of a running stack, with or
 * without `--watch`: when `npm run codegen` rewrites it with other resources than the stack's,
 * reports one line saying what applies it (`restart npm start to apply it`: the stack creates its
 * resources when it starts; `--watch` reloads code only), and reloads nothing. The same change is
 * reported once. While the manifest cannot be read (codegen writing it, or it stays truncated,
 * invalid or deleted), one line says so after a grace period, and one when it reads again
 * ({@link manifestReadStep}); never a throw. One watch of the folder (codegen may replace the
 * file), no polling: a read only after a write, and one more after the grace period.
 *
 * @param options - the manifest's folder, the running topology, how to read it and what to say
 * @returns a function that stops watching
 *
 * @example
 * ```ts
 * import { loadApplication, readTopology, watchTopology } from '@sluice/local';
 *
 * const { project, topology } = await loadApplication();
 * const stop = watchTopology({ generated: project.generated, running: topology, readNow: () => readTopology(project), report: console.log, apply: 'restart npm start to apply it' });
 * stop();
 * ```
 */
export function watchTopology(options: TopologyWatchOptions): () => void {
  const { generated, running, readNow, report, apply, read = () => {}, settleMs = 300, graceMs = 1500 } = options;
  const file = path.join(generated, 'topology.json');
  const relative = path.relative(process.cwd(), file);
  const shown = relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
  let reported: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let readState: ManifestReadState = {};
  let stopped = false;
  const check = () => {
    if (stopped) return;
    let now: Topology | undefined;
    let problem: ManifestProblem | undefined;
    try {
      now = readNow();
    } catch (error) {
      const detail = (error as Error)?.message ?? String(error);
      problem = !existsSync(file) ? { kind: 'missing', detail } : error instanceof SyntaxError ? { kind: 'invalid', detail } : { kind: 'unreadable', detail };
    }
    const step = manifestReadStep(readState, problem, Date.now(), graceMs, shown);
    readState = step.state;
    if (step.line) report(step.line);
    if (step.recheckInMs !== undefined) {
      // Being written, maybe: read again after the grace period, to say it if it still fails.
      clearTimeout(timer);
      timer = setTimeout(check, step.recheckInMs);
    }
    // The folder itself deleted (`rm -rf generated`, then codegen): a watch follows the folder it
    // was given, gone with it. Looked for once a second until it is back, then watched again.
    if (!existsSync(generated)) {
      folderGone = true;
      clearTimeout(timer);
      timer = setTimeout(check, FOLDER_POLL_MS);
      return;
    }
    if (folderGone) {
      folderGone = false;
      if (!arm()) return;
    }
    if (!now) return;
    const change = topologyChange(running, now);
    if (change && change !== reported) report(`the topology changed: ${apply} (${change})`);
    reported = change;
    read();
  };
  let folderGone = false;
  let watcher: FSWatcher | undefined;
  /** Watches the folder (again); false, said, when it cannot. */
  const arm = (): boolean => {
    watcher?.close();
    try {
      watcher = watch(generated, (_event, name) => {
        if (name !== null && name !== 'topology.json') return;
        clearTimeout(timer);
        // codegen writes its files one after another: read once they are written.
        timer = setTimeout(check, settleMs);
      });
    } catch (error) {
      // Out of watches (ENOSPC), say: the stack runs anyway, without this warning.
      report(`not watching ${file} for topology changes: ${(error as Error).message}`);
      watcher = undefined;
      return false;
    }
    watcher.on('error', (error) => report(`no longer watching ${file} for topology changes: ${error.message}`));
    return true;
  };
  if (!arm()) return () => {};
  return () => {
    stopped = true;
    clearTimeout(timer);
    watcher?.close();
  };
}
